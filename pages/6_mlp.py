"""MLP: the seed's network, shipped or trained live, its test metrics, and one clip scored."""

import time

import streamlit as st

from app_support import cache, datasets, glossary, pickers, upload
from avcore import plots
from avcore.errors import AvcoreError
from avcore.eval.metrics import metric_row
from avcore.verdict import DECISION_THRESHOLD

LIVE_REDRAW_S = 0.25  # the live loss curve's shortest interval between two redraws

st.title("MLP")
st.markdown(
    "The original project's neural network. It reads two averages over the whole clip, how the "
    "picture moves and what the sound's spectrum looks like, and gives p(misaligned), its probability "
    "that the clip is damaged. Averaging time away, it finds sound removed or replaced by noise, "
    "hardly ever a delay or a warped picture.",
    help=glossary.P_MISALIGNED,
)
st.caption(
    "The network, for the curious: the time average of the optical flow (pooled to 24 x 24) and of 13 "
    "MFCC, through Linear 512 with BatchNorm, Swish and dropout, residual blocks to 128 and 64, and one "
    "logit; trained with binary cross-entropy (BCE) and Adam on the training split."
)

source = st.radio("Model", ["Shipped weights", "Train now"], horizontal=True, key="mlp_source")
folder = str(datasets.embedded_dir())

if source == "Shipped weights":
    # the weights themselves (and torch) load only to score a clip; their training is on a card
    try:
        card = cache.mlp_card()
    except AvcoreError as exc:
        st.error(str(exc))
        st.stop()
    model, origin = None, "the shipped model"
    scores = cache.test_scores()
    y_test, p_test = scores["y"].to_numpy(), scores["seed_mlp"].to_numpy()
    st.plotly_chart(plots.loss_curve(card["history"]), width="stretch", key="mlp_shipped_loss")
    c = card["config"]
    st.caption(
        f"Training history of the shipped weights: learning rate {c['lr']:g}, {c['epochs']} epochs, "
        f"{c['batch_size']} clips per batch, weight decay {c['weight_decay']:g}"
        + (", the epoch with the best validation loss kept." if c["keep_best"] else ".")
    )
else:
    table = cache.feature_table(folder)
    if table is None:
        st.info(
            "Training needs the seed features of the whole embedded dataset (features.npz), which this "
            "deployment does not have. Build them with `python -m avcore dataset build` then "
            "`python -m avcore features`, or use the shipped weights."
        )
        st.stop()
    meta = cache.metadata(folder)
    train_rows, test_rows = (meta["Split"] == "train").to_numpy(), (meta["Split"] == "test").to_numpy()
    y_all = meta["y"].to_numpy()
    controls = st.columns(3)
    epochs = controls[0].slider("Epochs (passes over the training clips)", 10, 200, 100, 10, key="mlp_epochs")
    lr = controls[1].select_slider(
        "Learning rate",
        [8e-7, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3],
        value=1e-4,
        format_func=lambda v: f"{v:g}" + (" (seed)" if v == 8e-7 else ""),
        key="mlp_lr",
        help="How large a step each update of the weights takes; the original project used 8e-7.",
    )
    if controls[2].button("Train", type="primary", key="mlp_train"):
        from dataclasses import replace

        from avcore.models import seed_mlp

        config = replace(seed_mlp.DEFAULT_CONFIG, lr=lr, epochs=epochs)
        bar, chart, history = st.progress(0.0, "Training..."), st.empty(), []
        drawn_at = [0.0]

        def on_epoch(row: dict) -> None:
            """At most 4 redraws a second. Each redraw sends the whole figure, and an epoch can take
            milliseconds: sent on every epoch, the figures queued up faster than the browser
            could parse and draw them, so the curve lagged behind the training and caught up
            only at its end (with 10 ms epochs it first showed halfway through), and building
            them slowed the training itself."""
            history.append(row)
            bar.progress(
                row["epoch"] / epochs,
                f"epoch {row['epoch']} of {epochs}: training loss {row['train_loss']:.3f} (BCE; 0.693 is guessing)",
            )
            now = time.monotonic()
            if now - drawn_at[0] >= LIVE_REDRAW_S:
                drawn_at[0] = now
                chart.plotly_chart(plots.loss_curve(history), width="stretch")

        trained = seed_mlp.train(table.mlp_x[train_rows], y_all[train_rows], config, on_epoch=on_epoch)
        st.session_state["mlp_trained"] = trained
        chart.empty()
    model = st.session_state.get("mlp_trained")
    if model is None:
        st.info("Choose the settings and press Train; the loss curve grows with every epoch.")
        st.stop()
    origin = "the model trained in this session"
    st.plotly_chart(plots.loss_curve(model.history), width="stretch", key="mlp_trained_loss")
    y_test, p_test = y_all[test_rows], model.p_misaligned(table.mlp_x[test_rows])

st.subheader(f"Test split: {origin}")
st.caption(
    f"The {len(y_test)} test clips the model never trained on; a clip counts as damaged from p(misaligned) "
    f"{DECISION_THRESHOLD} on. {glossary.SHARES}"
)
pred = (p_test >= DECISION_THRESHOLD).astype(int)
m = metric_row(y_test, pred, p_test)
cells = st.columns(5)
for cell, (name, label) in zip(
    cells, {"accuracy": "Accuracy", "precision": "Precision", "recall": "Recall", "f1": "F1", "auc": "ROC AUC"}.items()
):
    cell.metric(label, f"{m[name]:.3f}", help=glossary.METRICS[label])
left, right = st.columns([2, 3])
left.plotly_chart(plots.confusion_figure(y_test, pred), width="stretch")
right.plotly_chart(plots.score_histogram(p_test, y_test, DECISION_THRESHOLD), width="stretch")

st.subheader("Score one clip")
clip, label = pickers.choose_clip("mlp")
if clip is not None and st.button("Score", key="mlp_score"):
    try:
        with st.spinner("Extracting the seed features..."):
            vector = cache.seed_vector(upload.sha256(clip), clip)
        if model is None:
            with st.spinner("Loading the model..."):
                model = cache.scorer().models.mlp
        st.session_state["mlp_last"] = {
            "name": label,
            "origin": origin,
            "p": float(model.p_misaligned(vector[None, :])[0]),
        }
    except AvcoreError as exc:
        st.error(str(exc))
last = st.session_state.get("mlp_last")
if last:
    # the MLP reads averaged features, never the sync itself: it can find damage, not confirm sync
    damaged = last["p"] >= DECISION_THRESHOLD
    st.metric(
        f"{last['name']} ({last['origin']})",
        "damaged" if damaged else "no damage found",
        f"{last['p']:.0%} likely damaged",
        delta_color="inverse" if damaged else "off",
        help="The seed MLP's probability that the clip was damaged. It does not measure sync, so a low "
        "value does not mean the clip is in sync.",
    )

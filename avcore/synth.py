"""Procedural clips whose sound is caused by what is seen: the embedded training and test data.

Real AVE videos are not shipped, so the detector learns and is scored on scenes where every
sound has a visible cause at a known instant (a ball landing, a stick on a drum, a lamp
lighting, a mouth opening, a hammer blow). Event gaps are random, never periodic, so that only
one audio offset lines sound up with picture. The event timeline runs `PAD_S` seconds beyond
both ends of the clip and the whole soundtrack is rendered on it, so a shifted soundtrack is a
different slice of the same track: no silent gap, same length, only the timing changes.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from typing import Callable, NamedTuple

import cv2
import numpy as np

from avcore.media import AUDIO_RATE as SR

KINDS = ("balls", "drum", "flash", "mouth", "hammer")
PAD_S = 7.0
MAX_OFFSET_S = 6.0
_JITTER = 3  # pixels of margin the camera can wander into
_SUB = 16  # cv2 drawing with shift=4: positions in 1/16 pixel, so slow motion stays smooth


@dataclass(frozen=True)
class SynthClip:
    frames: np.ndarray
    audio: np.ndarray
    fps: float
    kind: str
    events: np.ndarray
    duration: float


class _Scene(NamedTuple):
    events: np.ndarray  # every event on the padded timeline, sorted
    draw: Callable[[np.ndarray, float], None]  # draws the moving parts at picture time t
    sounds: list[tuple[float, np.ndarray]]  # (onset time, samples) in the picture's clock


def render(
    seed: int,
    *,
    kind: str | None = None,
    duration: float | None = None,
    audio_offset_s: float = 0.0,
    size: tuple[int, int] = (160, 120),
    fps: float = 25.0,
) -> SynthClip:
    """One clip; `audio_offset_s` > 0 makes every sound late by that much (< 0: early).

    Kind and duration are always drawn from the seed, then overridden, so naming the kind the
    seed would have picked anyway gives the identical clip. Separate random streams for scene,
    camera and sound keep the picture the same whatever offset is asked for.
    """
    if abs(audio_offset_s) > MAX_OFFSET_S:
        raise ValueError(f"audio_offset_s must be within +-{MAX_OFFSET_S} s")
    scene_rng, cam_rng, sound_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    drawn_kind = KINDS[int(scene_rng.integers(len(KINDS)))]
    drawn_duration = float(scene_rng.uniform(2.0, 6.0))
    kind = kind or drawn_kind
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    n_frames = max(1, int(round((duration or drawn_duration) * fps)))
    duration = n_frames / fps
    w, h = size

    bg = _background(scene_rng, w + 2 * _JITTER, h + 2 * _JITTER)
    scene = _SCENES[kind](scene_rng, bg, (-PAD_S, duration + PAD_S))
    frames = np.empty((n_frames, h, w, 3), np.uint8)
    shake = _camera_path(cam_rng, n_frames)
    for k in range(n_frames):
        canvas = bg.copy()
        scene.draw(canvas, k / fps)
        dx, dy = shake[k]
        frames[k] = canvas[_JITTER + dy : _JITTER + dy + h, _JITTER + dx : _JITTER + dx + w]
    _sensor_noise(cam_rng, frames)

    track = _soundtrack(sound_rng, scene.sounds, duration)
    n = int(round(duration * SR))
    start = int(round((PAD_S - audio_offset_s) * SR))
    events = scene.events[(scene.events >= 0) & (scene.events < duration)]
    return SynthClip(frames, track[start : start + n].copy(), float(fps), kind, events, duration)


# ----- timing -------------------------------------------------------------------------------

def _timeline(rng: np.random.Generator, span: tuple[float, float], lo: float = 0.25, hi: float = 0.9) -> np.ndarray:
    gaps = rng.uniform(lo, hi, int((span[1] - span[0]) / lo) + 2)
    times = span[0] + rng.uniform(0, hi) + np.concatenate([[0.0], np.cumsum(gaps)])
    return times[times < span[1]]


def _phase(events: np.ndarray, t: float) -> tuple[int, float, float]:
    """Last event at or before t, time since it, and the gap to the next one."""
    i = int(np.searchsorted(events, t, side="right")) - 1
    return i, t - events[i], events[i + 1] - events[i]


def _lift(since: float, gap: float) -> float:
    """0 at both strikes, 1 mid-way, steepest at the strikes: fast rebound and fast blow."""
    u = min(max(since / gap, 0.0), 1.0)
    return (4 * u * (1 - u)) ** 0.6


# ----- pictures -----------------------------------------------------------------------------

def _color(rng: np.random.Generator, value: tuple[float, float], sat: tuple[float, float] = (0.3, 1.0)) -> tuple:
    r, g, b = colorsys.hsv_to_rgb(rng.uniform(), rng.uniform(*sat), rng.uniform(*value))
    return (int(r * 255), int(g * 255), int(b * 255))


def _against(rng: np.random.Generator, base: np.ndarray) -> tuple:
    """A colour that stands out from `base` in brightness, as a visible object must."""
    dark = float(np.mean(base)) > 120
    return _color(rng, (0.05, 0.35) if dark else (0.7, 1.0))


def _background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    a, b = np.array(_color(rng, (0.15, 0.9), (0.0, 0.7)), np.float32), np.array(_color(rng, (0.15, 0.9), (0.0, 0.7)), np.float32)
    style = rng.integers(3)
    if style == 0:
        img = np.broadcast_to(a, (h, w, 3))
    elif style == 1:
        ang = rng.uniform(0, 2 * np.pi)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        ramp = (np.cos(ang) * xx / w + np.sin(ang) * yy / h)
        ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
        img = a + ramp[..., None] * (b - a)
    else:
        coarse = rng.uniform(0, 1, (int(rng.integers(3, 10)), int(rng.integers(4, 12)))).astype(np.float32)
        blend = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
        grain = cv2.GaussianBlur(rng.normal(0, 0.12, (h, w)).astype(np.float32), (0, 0), 1.0)
        img = a + np.clip(blend + grain, 0, 1)[..., None] * (b - a)
    return np.ascontiguousarray(np.clip(img, 0, 255).astype(np.uint8))


def _pt(x: float, y: float) -> tuple[int, int]:
    return int(round(x * _SUB)), int(round(y * _SUB))


def _circle(img, x, y, r, color, thickness=-1):
    cv2.circle(img, _pt(x, y), int(round(r * _SUB)), color, thickness, cv2.LINE_AA, 4)


def _ellipse(img, x, y, rx, ry, color, thickness=-1):
    cv2.ellipse(img, _pt(x, y), _pt(max(rx, 0.5), max(ry, 0.5)), 0, 0, 360, color, thickness, cv2.LINE_AA, 4)


def _line(img, p, q, color, thickness):
    cv2.line(img, _pt(*p), _pt(*q), color, max(1, int(round(thickness))), cv2.LINE_AA, 4)


def _camera_path(rng: np.random.Generator, n: int) -> np.ndarray:
    """Slow handheld drift of up to a couple of pixels, not frame-to-frame shaking."""
    walk = np.cumsum(rng.normal(0, 1, (n + 8, 2)), axis=0)
    walk = cv2.blur(walk.astype(np.float32)[:, None, :], (1, 9))[:, 0, :][4 : 4 + n]
    walk -= walk.mean(axis=0)
    walk *= rng.uniform(0, 2.0) / max(float(np.abs(walk).max()), 1e-6)
    return np.clip(np.round(walk), -_JITTER, _JITTER).astype(int)


def _sensor_noise(rng: np.random.Generator, frames: np.ndarray) -> None:
    """Gaussian noise of a random level, new each frame: random crops of a small noise pool,
    added with saturating uint8 arithmetic, costs far less than drawing fresh noise per pixel."""
    n, h, w, _ = frames.shape
    pool = np.round(rng.normal(0, rng.uniform(0.5, 6.0), (4, h + 16, w + 16, 3))).astype(np.int16)
    plus, minus = np.clip(pool, 0, 255).astype(np.uint8), np.clip(-pool, 0, 255).astype(np.uint8)
    picks = rng.integers(0, [4, 17, 17], (n, 3))
    for frame, (p, y, x) in zip(frames, picks):
        cv2.add(frame, plus[p, y : y + h, x : x + w], dst=frame)
        cv2.subtract(frame, minus[p, y : y + h, x : x + w], dst=frame)


# ----- sounds -------------------------------------------------------------------------------

def _t(seconds: float) -> np.ndarray:
    return np.arange(int(seconds * SR)) / SR


def _click(rng, seconds: float = 0.006) -> np.ndarray:
    t = _t(5 * seconds)
    return rng.uniform(-1, 1, t.size) * np.exp(-t / seconds)


def _partials(freqs, amps, decays, seconds: float) -> np.ndarray:
    t = _t(seconds)[:, None]
    return (np.sin(2 * np.pi * np.asarray(freqs) * t) * np.asarray(amps) * np.exp(-t / np.asarray(decays))).sum(axis=1)


def _soundtrack(rng: np.random.Generator, sounds, duration: float) -> np.ndarray:
    """Event sounds over hum and noise on the padded timeline, scaled to a random peak."""
    n = int(round((duration + 2 * PAD_S) * SR))
    track = np.zeros(n, np.float64)
    for onset, snd in sounds:
        s = int(round((onset + PAD_S) * SR))
        if 0 <= s < n:
            track[s : s + snd.size] += snd[: n - s]
    peak = max(float(np.abs(track).max()), 1e-9)
    t = np.arange(n) / SR
    mains = rng.choice([50.0, 60.0])
    hum = sum(np.sin(2 * np.pi * mains * k * t + rng.uniform(0, 6.3)) / k for k in (1, 2, 3))
    white = rng.normal(0, 1, n + 64)
    smooth = np.cumsum(white)
    width = int(rng.integers(2, 64))
    rumble = (smooth[width:] - smooth[:-width])[:n] / np.sqrt(width)
    mix = rng.uniform(0, 1)
    bed = rng.uniform(0, 0.01) * hum + (mix * white[:n] + (1 - mix) * rumble) * rng.uniform(0.002, 0.02)
    return (np.clip((track / peak + bed) * rng.uniform(0.5, 0.9), -1, 1)).astype(np.float32)


# ----- scenes -------------------------------------------------------------------------------

def _balls(rng, bg, span) -> _Scene:
    """One or two balls bouncing on a floor; hop height follows the gap (constant gravity),
    so the ball is fastest, and the click loudest after long hops, at each landing."""
    h, w = bg.shape[:2]
    floor = rng.uniform(0.72, 0.9) * h
    cv2.rectangle(bg, (0, int(floor)), (w, h), _color(rng, (0.1, 0.6)), -1)
    balls, sounds = [], []
    for _ in range(int(rng.integers(1, 3))):
        r = rng.uniform(0.05, 0.1) * h
        ev = _timeline(rng, span, 0.35, 0.9)
        x0, vx = rng.uniform(r, w - r), rng.uniform(-25, 25)
        balls.append((ev, r, x0, vx, _against(rng, bg), (floor - 2 * r - 4) / 0.81))
        for i in range(ev.size - 1):
            hit = (ev[i] - ev[i - 1] if i else 0.6) / 0.9
            pitch = rng.uniform(2500, 4000) * 6 / r
            sounds.append((ev[i], hit * rng.uniform(0.6, 1.0) * (0.5 * _click(rng) + _partials([pitch], [1], [0.02], 0.1))))

    def draw(img, t):
        for ev, r, x0, vx, color, hop in balls:
            _, since, gap = _phase(ev, t)
            y = floor - r - hop * gap * gap * 4 * (since / gap) * (1 - since / gap)
            x = r + abs((x0 - r + vx * t) % (2 * (w - 2 * r)) - (w - 2 * r))
            squash = 1.25 if min(since, gap - since) < 0.02 else 1.0
            _ellipse(img, x, floor + 1, r * 1.1, r * 0.25, (20, 20, 20))
            _ellipse(img, x, y + r * (1 - 1 / squash), r * squash, r / squash, color)

    return _Scene(np.sort(np.concatenate([b[0] for b in balls])), draw, sounds)


def _striker(rng, bg, span, hammer: bool) -> _Scene:
    """A stick on a drum, or a hammer on an anvil: lifted between blows, swung down fast."""
    h, w = bg.shape[:2]
    ev = _timeline(rng, span)
    side = rng.choice([-1, 1])
    cx, top = w / 2 + rng.uniform(-0.1, 0.1) * w, rng.uniform(0.55, 0.7) * h
    rx, ry = rng.uniform(0.18, 0.28) * w, rng.uniform(0.04, 0.07) * h
    body, head = _against(rng, bg), _color(rng, (0.6, 1.0), (0.0, 0.3))
    if hammer:
        cv2.rectangle(bg, (int(cx - rx), int(top)), (int(cx + rx), h), body, -1)
        cv2.rectangle(bg, (int(cx - rx), int(top)), (int(cx + rx), int(top + 3)), head, -1)
    else:
        cv2.rectangle(bg, (int(cx - rx), int(top)), (int(cx + rx), int(top + 0.25 * h)), body, -1)
        _ellipse(bg, cx, top + 0.25 * h, rx, ry, body)
    hand = np.array([cx + side * rng.uniform(0.3, 0.45) * w, top - rng.uniform(0.05, 0.2) * h])
    tip = np.array([cx + side * rng.uniform(0.0, 0.1) * w, top - (3 if hammer else 0)])
    length, rest = np.linalg.norm(tip - hand), np.arctan2(*(tip - hand)[::-1])
    swing = rng.uniform(0.6, 1.1) * (1 if side < 0 else -1)
    stick, skin = _color(rng, (0.3, 0.8), (0.3, 0.8)), _color(rng, (0.6, 0.95), (0.2, 0.5))
    thick = rng.uniform(0.015, 0.03) * h

    sounds = []
    for i in range(ev.size - 1):
        force = rng.uniform(0.6, 1.0) * min(1.0, (ev[i] - ev[i - 1] if i else 0.6) / 0.6)
        if hammer:
            f = rng.uniform(700, 2200)
            ping = _partials(f * np.array([1, 2.76, 5.4, 8.93]), [1, 0.5, 0.3, 0.15], [0.3, 0.15, 0.08, 0.04], 0.45)
            sounds.append((ev[i], force * (0.6 * ping + 0.5 * _click(rng, 0.003))))
        else:
            t, f0 = _t(0.35), rng.uniform(60, 160)
            phase = 2 * np.pi * np.cumsum(f0 * (1 + 1.5 * np.exp(-t / 0.02))) / SR
            thump = np.sin(phase) * np.exp(-t / rng.uniform(0.08, 0.2))
            sounds.append((ev[i], force * (thump + 0.5 * _click(rng, rng.uniform(0.01, 0.03))[: t.size])))

    def draw(img, t):
        i, since, gap = _phase(ev, t)
        angle = rest + swing * min(1.0, gap / 0.7) * _lift(since, gap)
        end = hand + length * np.array([np.cos(angle), np.sin(angle)])
        arm = hand + np.array([side * 0.3 * w, -0.05 * h * _lift(since, gap)])
        _line(img, arm, hand, skin, 2.2 * thick)
        _line(img, hand, end, stick, thick)
        if hammer:
            normal = np.array([-np.sin(angle), np.cos(angle)]) * 2.5 * thick
            along = np.array([np.cos(angle), np.sin(angle)]) * 1.5 * thick
            corners = [end + along + normal, end + along - normal, end - along - normal, end - along + normal]
            cv2.fillConvexPoly(img, np.array([_pt(*c) for c in corners], np.int32), head, cv2.LINE_AA, 4)
            if since < 0.06:
                for a in np.linspace(-2.6, -0.5, 5):
                    _line(img, tip, tip + (10 - 100 * since) * np.array([np.cos(a + i), np.sin(a + i) * 0.7]), (255, 230, 120), 1)
        else:
            _circle(img, end[0], end[1], thick * 1.2, stick)
            ring = 2.0 * np.exp(-since / 0.05) * np.cos(since * 90)
            _ellipse(img, cx, top, rx, ry + ring, head)

    return _Scene(ev, draw, sounds)


def _flash(rng, bg, span) -> _Scene:
    """A lamp that lights for a moment, beeping for exactly as long as it is lit."""
    h, w = bg.shape[:2]
    ev = _timeline(rng, span)
    lit = np.minimum(rng.uniform(0.08, 0.3, ev.size), 0.7 * np.diff(ev, append=np.inf))
    x, y, r = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.6) * h, rng.uniform(0.07, 0.15) * h
    on, off = np.array(_color(rng, (0.9, 1.0), (0.0, 0.6)), np.float32), _color(rng, (0.1, 0.35))
    cv2.rectangle(bg, _pt(x - r * 0.4, y + r * 0.9), _pt(x + r * 0.4, h), (60, 60, 60), -1, cv2.LINE_AA, 4)
    yy, xx = np.mgrid[0:h, 0:w]
    halo = np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * (2.5 * r) ** 2)).astype(np.float32)[..., None] * on * 0.6

    sounds = []
    for t0, d in zip(ev, lit):
        t = _t(d)
        tone = np.sin(2 * np.pi * rng.uniform(400, 2000) * t)
        ramp = np.minimum(1, np.minimum(t, d - t) / 0.004)
        sounds.append((t0, rng.uniform(0.5, 1.0) * tone * ramp))

    def draw(img, t):
        i, since, _ = _phase(ev, t)
        level = 1.0 if since < lit[i] else float(np.exp(-(since - lit[i]) / 0.03))
        if level > 0.02:
            np.copyto(img, np.clip(img + level * halo, 0, 255).astype(np.uint8))
        _circle(img, x, y, r, tuple(int(c) for c in (level * on + (1 - level) * np.array(off))))
        _circle(img, x, y, r, (40, 40, 40), 1)

    return _Scene(ev, draw, sounds)


def _mouth(rng, bg, span) -> _Scene:
    """A face saying syllables: the jaw drops fast and closes slowly, and the voice's
    loudness follows the opening."""
    h, w = bg.shape[:2]
    ev = _timeline(rng, span)
    dur = np.minimum(rng.uniform(0.12, 0.3, ev.size), 0.8 * np.diff(ev, append=np.inf))
    opens = rng.uniform(0.5, 1.0, ev.size)
    x, y = rng.uniform(0.4, 0.6) * w, rng.uniform(0.4, 0.6) * h
    fr = rng.uniform(0.3, 0.42) * h
    skin = _color(rng, (0.35, 0.95), (0.2, 0.6))
    lips, eye = _color(rng, (0.3, 0.6), (0.5, 0.9)), (20, 20, 20)
    mw, mh = rng.uniform(0.3, 0.5) * fr, rng.uniform(0.25, 0.45) * fr

    def opening(since, d):
        attack = 0.04
        if since < 0 or since > d:
            return 0.0
        return np.sin(0.5 * np.pi * since / attack) ** 2 if since < attack else np.cos(0.5 * np.pi * (since - attack) / (d - attack)) ** 2

    sounds = []
    for t0, d, o in zip(ev, dur, opens):
        t = _t(d)
        f0 = rng.uniform(90, 240) * (1 + rng.uniform(-0.15, 0.15) * t / d)
        phase = 2 * np.pi * np.cumsum(f0) / SR
        formants = rng.uniform([300, 900], [800, 2200])
        k = np.arange(1, 25)
        gain = sum(np.exp(-(((k * f0.mean() - f) / 150) ** 2)) for f in formants) + 0.05
        voice = (np.sin(phase[:, None] * k) * (gain / k)).sum(axis=1)
        env = np.array([opening(s, d) for s in t[::16]]).repeat(16)[: t.size]
        sounds.append((t0, o * env * voice / max(np.abs(voice).max(), 1e-9)))

    def draw(img, t):
        i, since, _ = _phase(ev, t)
        a = opens[i] * opening(since, dur[i])
        _ellipse(img, x, y + 0.1 * mh * a, fr * 0.8, fr + 0.2 * mh * a, skin)
        for side in (-1, 1):
            _circle(img, x + side * 0.35 * fr, y - 0.3 * fr, 0.08 * fr, eye)
        _ellipse(img, x, y + 0.45 * fr + 0.3 * mh * a, mw, 0.06 * fr + mh * a, lips)
        _ellipse(img, x, y + 0.45 * fr + 0.3 * mh * a, mw * 0.8, 0.03 * fr + 0.8 * mh * a, (30, 10, 10))

    return _Scene(ev, draw, sounds)


_SCENES = {
    "balls": _balls,
    "drum": lambda rng, bg, span: _striker(rng, bg, span, hammer=False),
    "flash": _flash,
    "mouth": _mouth,
    "hammer": lambda rng, bg, span: _striker(rng, bg, span, hammer=True),
}

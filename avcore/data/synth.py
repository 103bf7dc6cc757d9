"""Procedural clips whose sound is caused by what is seen: the embedded training and test data.

Real AVE videos are not shipped, so the detector learns and is scored on scenes where every
sound has a visible cause at a known instant (a ball landing, a stick on a drum, a lamp
lighting, a mouth opening, a hammer blow). Event gaps are random, never periodic, so that only
one audio offset lines sound up with picture. The event timeline runs `PAD_S` seconds beyond
both ends of the clip and the soundtrack is defined on all of it, so a shifted soundtrack is
another slice of the same track: no silent gap, same length, only the timing changes.
"""

from __future__ import annotations

import colorsys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import cv2
import numpy as np

from avcore.io.media import AUDIO_RATE as SR

KINDS = ("balls", "drum", "flash", "mouth", "hammer")
PAD_S = 7.0
MAX_OFFSET_S = 6.0
_JITTER = 3  # pixels of margin the camera can drift into
_SUB = 16  # cv2 draws with shift=4, i.e. at 1/16 pixel, so slow motion stays smooth


@dataclass(frozen=True)
class SynthClip:
    frames: np.ndarray  # (N, H, W, 3) uint8 RGB
    audio: np.ndarray  # float32 mono at AUDIO_RATE, duration * AUDIO_RATE samples
    fps: float
    kind: str
    events: np.ndarray  # visible event times (s) inside the clip, on the picture's clock
    duration: float


class _Sound(NamedTuple):
    onset: float
    seconds: float
    loudness: float
    make: Callable[[], np.ndarray]  # unit-peak samples, built only if the clip can hear them


class _Scene(NamedTuple):
    events: np.ndarray  # every event on the padded timeline, sorted
    draw: Callable[[np.ndarray, float], None]  # draws the moving parts at picture time t
    sounds: list[_Sound]


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
    seed would have picked gives the identical clip. Scene, camera and sound take separate
    random streams and nothing random depends on the offset, so the picture is the same
    whatever offset is asked for. Duration is rounded to whole frames.
    """
    if abs(audio_offset_s) > MAX_OFFSET_S:
        raise ValueError(f"audio_offset_s must be within +-{MAX_OFFSET_S} s")
    scene_rng, cam_rng, sound_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    drawn_kind, drawn_duration = KINDS[int(scene_rng.integers(len(KINDS)))], float(scene_rng.uniform(2.0, 6.0))
    kind = kind or drawn_kind
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    n_frames = max(1, int(round((duration or drawn_duration) * fps)))
    duration, (w, h) = n_frames / fps, size

    bg = _background(scene_rng, w + 2 * _JITTER, h + 2 * _JITTER)
    scene = _SCENES[kind](scene_rng, bg, (-PAD_S, duration + PAD_S))
    frames = np.empty((n_frames, h, w, 3), np.uint8)
    for k, (dx, dy) in enumerate(_camera_path(cam_rng, n_frames)):
        canvas = bg.copy()
        scene.draw(canvas, k / fps)
        frames[k] = canvas[_JITTER + dy : _JITTER + dy + h, _JITTER + dx : _JITTER + dx + w]
    _sensor_noise(cam_rng, frames)

    audio = _soundtrack(sound_rng, scene.sounds, duration, audio_offset_s)
    events = scene.events[(scene.events >= 0) & (scene.events < duration)]
    return SynthClip(frames, audio, float(fps), kind, events, duration)


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
    """0 at both blows, 1 mid-way, steepest at the blows: a fast rebound and a fast strike."""
    u = min(max(since / gap, 0.0), 1.0)
    return (4 * u * (1 - u)) ** 0.6


def _opening(since, seconds: float, attack: float = 0.04):
    """A syllable's mouth opening, fast to open and slow to close; also the voice's loudness."""
    rise = np.sin(0.5 * np.pi * np.clip(since / attack, 0, 1)) ** 2
    fall = np.cos(0.5 * np.pi * np.clip((since - attack) / (seconds - attack), 0, 1)) ** 2
    return np.where(since < attack, rise, fall) * (since >= 0)


# ----- pictures -----------------------------------------------------------------------------


def _color(rng: np.random.Generator, value=(0.15, 0.9), sat=(0.3, 1.0)) -> tuple:
    r, g, b = colorsys.hsv_to_rgb(rng.uniform(), rng.uniform(*sat), rng.uniform(*value))
    return (int(r * 255), int(g * 255), int(b * 255))


def _against(rng: np.random.Generator, base) -> tuple:
    """A colour that stands out from `base` in brightness, as a visible cause must."""
    return _color(rng, (0.05, 0.35) if float(np.mean(base)) > 120 else (0.7, 1.0))


def _background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Plain, a gradient, or a blotchy texture between two random colours."""
    a, b = (np.array(_color(rng, sat=(0.0, 0.7)), np.float32) for _ in range(2))
    style = rng.integers(3)
    if style == 0:
        mix = np.zeros((h, w), np.float32)
    elif style == 1:
        ang = rng.uniform(0, 2 * np.pi)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        mix = np.cos(ang) * xx / w + np.sin(ang) * yy / h
        mix = (mix - mix.min()) / max(float(np.ptp(mix)), 1e-6)
    else:
        coarse = rng.uniform(0, 1, (int(rng.integers(3, 10)), int(rng.integers(4, 12)))).astype(np.float32)
        grain = cv2.GaussianBlur(rng.normal(0, 0.12, (h, w)).astype(np.float32), (0, 0), 1.0)
        mix = np.clip(cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC) + grain, 0, 1)
    return np.ascontiguousarray(np.clip(a + mix[..., None] * (b - a), 0, 255).astype(np.uint8))


def _pt(x: float, y: float) -> tuple[int, int]:
    return int(round(x * _SUB)), int(round(y * _SUB))


def _ellipse(img, x, y, rx, ry, color, thickness=-1):
    cv2.ellipse(img, _pt(x, y), _pt(max(rx, 0.5), max(ry, 0.5)), 0, 0, 360, color, thickness, cv2.LINE_AA, 4)


def _line(img, p, q, color, thickness):
    cv2.line(img, _pt(*p), _pt(*q), color, max(1, int(round(thickness))), cv2.LINE_AA, 4)


def _camera_path(rng: np.random.Generator, n: int) -> np.ndarray:
    """Slow handheld drift of up to two pixels, not frame-to-frame shaking."""
    walk = np.cumsum(rng.normal(0, 1, (n + 8, 2)), axis=0).astype(np.float32)
    walk = cv2.blur(walk[:, None, :], (1, 9))[4 : 4 + n, 0, :]
    walk -= walk.mean(axis=0)
    walk *= rng.uniform(0, 2.0) / max(float(np.abs(walk).max()), 1e-6)
    return np.clip(np.round(walk), -_JITTER, _JITTER).astype(int)


def _sensor_noise(rng: np.random.Generator, frames: np.ndarray) -> None:
    """Gaussian noise of a random level, new each frame. Random crops of a small noise pool,
    added with saturating uint8 arithmetic, cost far less than fresh noise for every pixel."""
    n, h, w, _ = frames.shape
    pool = np.round(rng.standard_normal((3, h + 16, w + 16, 3), np.float32) * rng.uniform(0.5, 6.0))
    plus, minus = np.clip(pool, 0, 255).astype(np.uint8), np.clip(-pool, 0, 255).astype(np.uint8)
    for frame, (p, y, x) in zip(frames, rng.integers(0, [3, 17, 17], (n, 3))):
        cv2.add(frame, plus[p, y : y + h, x : x + w], dst=frame)
        cv2.subtract(frame, minus[p, y : y + h, x : x + w], dst=frame)


# ----- sounds -------------------------------------------------------------------------------


def _t(seconds: float) -> np.ndarray:
    return np.arange(int(seconds * SR)) / SR


def _sin(cycles) -> np.ndarray:
    """Sine of a phase in cycles. numpy's float32 sine is ten times faster than float64, and
    its phase error (under 0.01 rad for the longest tones here) is inaudible."""
    return np.sin((2 * np.pi * cycles).astype(np.float32))


def _decay(t: np.ndarray, tau) -> np.ndarray:
    return np.exp((-t / tau).astype(np.float32))


def _unit(x: np.ndarray) -> np.ndarray:
    return x / max(float(np.abs(x).max()), 1e-9)


def _burst(seed: int, t: np.ndarray, tau: float) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, t.size) * _decay(t, tau)


def _tick(seed: int, pitch: float) -> np.ndarray:
    t = _t(0.1)
    return _unit(0.5 * _burst(seed, t, 0.006) + _sin(pitch * t) * _decay(t, 0.02))


def _thump(seed: int, f0: float, decay: float, rattle: float) -> np.ndarray:
    """A drum: a low tone whose pitch drops just after the hit, plus a noise burst."""
    t = _t(0.35)
    cycles = np.cumsum(f0 * (1 + 1.5 * _decay(t, 0.02))) / SR
    return _unit(_sin(cycles) * _decay(t, decay) + 0.5 * _burst(seed, t, rattle))


def _ping(seed: int, f: float) -> np.ndarray:
    """Metal: inharmonic partials (a free bar's ratios), the high ones dying first."""
    t = _t(0.45)[:, None]
    ring = _sin(f * np.array([1, 2.76, 5.4, 8.93]) * t) * _decay(t, np.array([0.3, 0.15, 0.08, 0.04]))
    return _unit(0.6 * ring @ np.array([1, 0.5, 0.3, 0.15]) + 0.5 * _burst(seed, t[:, 0], 0.003))


def _beep(f: float, seconds: float) -> np.ndarray:
    t = _t(seconds)
    return _sin(f * t) * np.minimum(1, np.minimum(t, seconds - t) / 0.008)


def _voice(f0: float, glide: float, formants: np.ndarray, seconds: float) -> np.ndarray:
    """A voiced syllable: harmonics shaped by two formants, read from a one-period table."""
    t, k = _t(seconds), np.arange(1, 25)
    gain = (sum(np.exp(-(((k * f0 - f) / 150) ** 2)) for f in formants) + 0.05) / k * (k * f0 < 7000)
    table = (np.sin(2 * np.pi * np.arange(512)[:, None] / 512 * k) * gain).sum(axis=1)
    cycles = np.cumsum(f0 * (1 + glide * t / seconds)) / SR
    return _unit(table[(cycles * 512).astype(int) % 512]) * _opening(t, seconds)


def _soundtrack(rng: np.random.Generator, sounds: list[_Sound], duration: float, offset: float) -> np.ndarray:
    """The window of the padded track that plays with the picture, over hum and noise.

    The gain comes from every event, heard or not, and the bed is indexed by track sample, so
    two offsets give the same samples, moved.
    """
    n, total = int(round(duration * SR)), int(round((duration + 2 * PAD_S) * SR))
    start = int(round((PAD_S - offset) * SR))
    out = np.zeros(n)
    for s in sounds:
        a = int(round((s.onset + PAD_S) * SR)) - start
        if a < n and a + int(s.seconds * SR) > 0:
            snd = s.loudness * s.make()
            lo, hi = max(a, 0), min(a + snd.size, n)
            out[lo:hi] += snd[lo - a : hi - a]
    mains, phases = rng.choice([50.0, 60.0]), rng.uniform(0, 1, 3)
    # A real room's floor is dark: on 13 real segments at most 5% of the quiet blocks' power
    # lay above 4 kHz. A bed up to fully white reached 48% and taught the detector that a
    # white hiss under the sound is normal, so mixed-in noise went unseen; a bed up to a quarter
    # white still reached 23%, above white noise mixed under a real film's music (13-31%).
    hum_level, noise_level, brightness = rng.uniform(0, 0.01), rng.uniform(0.002, 0.04), rng.uniform(0, 0.05)
    width, target = int(rng.integers(2, 64)), rng.uniform(0.5, 0.85)
    t = (start + np.arange(n)) / SR
    hum = sum(_sin(mains * k * t + p) / k for k, p in zip((1, 2, 3), phases))
    white = (rng.random(total + 64, np.float32)[start : start + n + width] - 0.5) * np.sqrt(12.0)
    summed = np.concatenate([[0.0], np.cumsum(white)])
    rumble = (summed[width : width + n] - summed[:n]) / np.sqrt(width)
    bed = hum_level * hum + noise_level * (brightness * white[:n] + (1 - brightness) * rumble)
    loudest = max((s.loudness for s in sounds), default=1.0)
    return np.clip((out / loudest + bed) * target, -1, 1).astype(np.float32)


# ----- scenes: each draws its static parts into `bg` and returns a _Scene ----------------------


def _balls(rng, bg, span) -> _Scene:
    """One or two balls bouncing on a floor. Hop height grows with the square of the gap
    (constant gravity), so the ball is fastest at each landing, and louder after long hops."""
    h, w = bg.shape[:2]
    floor = rng.uniform(0.72, 0.9) * h
    cv2.rectangle(bg, (0, int(floor)), (w, h), _color(rng, (0.1, 0.6)), -1)
    balls, sounds = [], []
    for _ in range(int(rng.integers(1, 3))):
        r, ev = rng.uniform(0.05, 0.1) * h, _timeline(rng, span, 0.35, 0.9)
        x0, vx = rng.uniform(r, w - r), rng.uniform(-25, 25)
        balls.append((ev, r, x0, vx, _against(rng, bg), (floor - 2 * r - 4) / 0.81))
        loud = np.diff(ev, prepend=ev[0] - 0.6) / 0.9 * rng.uniform(0.6, 1.0, ev.size)
        pitch, seeds = rng.uniform(15000, 24000, ev.size) / r, rng.integers(0, 2**63, ev.size)
        sounds += [_Sound(e, 0.1, a, partial(_tick, s, f)) for e, a, s, f in zip(ev, loud, seeds, pitch)]

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
    """A stick on a drum, or a hammer on an anvil: lifted between blows and swung down fast,
    lifted higher and struck harder before long gaps."""
    h, w = bg.shape[:2]
    ev, side = _timeline(rng, span), rng.choice([-1, 1])
    cx, top = w / 2 + rng.uniform(-0.1, 0.1) * w, rng.uniform(0.55, 0.7) * h
    rx, ry = rng.uniform(0.18, 0.28) * w, rng.uniform(0.04, 0.07) * h
    body, head = _against(rng, bg), _color(rng, (0.6, 1.0), (0.0, 0.3))
    if hammer:
        cv2.rectangle(bg, (int(cx - rx), int(top)), (int(cx + rx), h), body, -1)
        cv2.rectangle(bg, (int(cx - rx), int(top)), (int(cx + rx), int(top + 3)), head, -1)
    else:
        cv2.rectangle(bg, (int(cx - rx), int(top)), (int(cx + rx), int(top + 0.25 * h)), body, -1)
        _ellipse(bg, cx, top + 0.25 * h, rx, ry, body)
    thick = rng.uniform(0.015, 0.03) * h
    hand = np.array([cx + side * rng.uniform(0.3, 0.45) * w, top - rng.uniform(0.05, 0.2) * h])
    tip = np.array([cx + side * rng.uniform(0.0, 0.1) * w, top - (2.5 * thick if hammer else 0)])
    length, rest = np.linalg.norm(tip - hand), np.arctan2(*(tip - hand)[::-1])
    swing = rng.uniform(0.8, 1.3) * side
    stick, skin = _color(rng, (0.3, 0.8), (0.3, 0.8)), _color(rng, (0.6, 0.95), (0.2, 0.5))

    loud = rng.uniform(0.6, 1.0, ev.size) * (0.5 + 0.5 * np.minimum(1.0, np.diff(ev, prepend=ev[0] - 0.6) / 0.7))
    seeds = rng.integers(0, 2**63, ev.size)  # per-event noise, the same whether or not it is heard
    if hammer:
        makes = [partial(_ping, s, f) for s, f in zip(seeds, rng.uniform(700, 2200, ev.size))]
    else:
        params = zip(seeds, *rng.uniform([60, 0.08, 0.01], [160, 0.2, 0.03], (ev.size, 3)).T)
        makes = [partial(_thump, *p) for p in params]
    sounds = [_Sound(e, 0.45 if hammer else 0.35, a, m) for e, a, m in zip(ev, loud, makes)]

    def draw(img, t):
        i, since, gap = _phase(ev, t)
        lift = _lift(since, gap)
        angle = rest + swing * min(1.0, gap / 0.7) * lift
        along = np.array([np.cos(angle), np.sin(angle)])
        end = hand + length * along
        _line(img, hand + np.array([side * 0.3 * w, -0.05 * h * lift]), hand, skin, 2.2 * thick)
        _line(img, hand, end, stick, thick)
        if not hammer:
            _ellipse(img, end[0], end[1], thick * 1.2, thick * 1.2, stick)
            _ellipse(img, cx, top, rx, ry + 2.0 * np.exp(-since / 0.05) * np.cos(since * 90), head)
            return
        a, b = 1.5 * thick * along, 2.5 * thick * np.array([-along[1], along[0]])
        corners = np.array([_pt(*c) for c in (end + a + b, end + a - b, end - a - b, end - a + b)], np.int32)
        cv2.fillConvexPoly(img, corners, head, cv2.LINE_AA, 4)
        if since < 0.06:  # sparks
            for ang in np.linspace(-2.6, -0.5, 5) + 0.3 * np.sin(i):
                _line(img, tip, tip + (10 - 100 * since) * np.array([np.cos(ang), np.sin(ang)]), (255, 230, 120), 1)

    return _Scene(ev, draw, sounds)


def _flash(rng, bg, span) -> _Scene:
    """A lamp that lights for a moment, beeping for exactly as long as it is lit."""
    h, w = bg.shape[:2]
    ev = _timeline(rng, span)
    lit = np.minimum(rng.uniform(0.08, 0.3, ev.size), 0.7 * np.diff(ev, append=np.inf))
    x, y, r = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.6) * h, rng.uniform(0.07, 0.15) * h
    on, off = np.array(_color(rng, (0.9, 1.0), (0.0, 0.6)), np.float32), np.array(_color(rng, (0.1, 0.35)), np.float32)
    cv2.rectangle(bg, _pt(x - r * 0.4, y + r * 0.9), _pt(x + r * 0.4, h), (60, 60, 60), -1, cv2.LINE_AA, 4)
    yy, xx = np.mgrid[0:h, 0:w]
    halo = np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * (2.5 * r) ** 2)).astype(np.float32)[..., None] * on * 0.6
    loud, pitch = rng.uniform(0.5, 1.0, ev.size), rng.uniform(400, 2000, ev.size)
    sounds = [_Sound(e, d, a, partial(_beep, f, d)) for e, d, a, f in zip(ev, lit, loud, pitch)]

    def draw(img, t):
        i, since, _ = _phase(ev, t)
        level = 1.0 if since < lit[i] else float(np.exp(-(since - lit[i]) / 0.03))
        if level > 0.02:
            np.copyto(img, np.clip(img + level * halo, 0, 255).astype(np.uint8))
        _ellipse(img, x, y, r, r, tuple(int(c) for c in level * on + (1 - level) * off))
        _ellipse(img, x, y, r, r, (40, 40, 40), 1)

    return _Scene(ev, draw, sounds)


def _mouth(rng, bg, span) -> _Scene:
    """A face saying syllables: the jaw drops fast and closes slowly, and the voice's loudness
    follows the opening."""
    h, w = bg.shape[:2]
    ev = _timeline(rng, span)
    dur = np.minimum(rng.uniform(0.12, 0.3, ev.size), 0.8 * np.diff(ev, append=np.inf))
    opens = rng.uniform(0.5, 1.0, ev.size)
    x, y, fr = rng.uniform(0.4, 0.6) * w, rng.uniform(0.4, 0.6) * h, rng.uniform(0.3, 0.42) * h
    skin = _against(rng, bg)
    eyes, lips = _against(rng, skin), _color(rng, (0.3, 0.6), (0.5, 0.9))
    mw, mh = rng.uniform(0.3, 0.5) * fr, rng.uniform(0.25, 0.45) * fr
    f0s, glides = rng.uniform(90, 240, ev.size), rng.uniform(-0.15, 0.15, ev.size)
    formants = rng.uniform([300, 900], [800, 2200], (ev.size, 2))
    sounds = [_Sound(e, d, o, partial(_voice, *p, d)) for e, d, o, *p in zip(ev, dur, opens, f0s, glides, formants)]

    def draw(img, t):
        i, since, _ = _phase(ev, t)
        a = opens[i] * float(_opening(since, dur[i]))
        _ellipse(img, x, y + 0.1 * mh * a, fr * 0.8, fr + 0.2 * mh * a, skin)
        for side in (-1, 1):
            _ellipse(img, x + side * 0.35 * fr, y - 0.3 * fr, 0.08 * fr, 0.08 * fr, eyes)
        mouth_y = y + 0.45 * fr + 0.3 * mh * a
        _ellipse(img, x, mouth_y, mw, 0.06 * fr + mh * a, lips)
        _ellipse(img, x, mouth_y, mw * 0.8, 0.03 * fr + 0.8 * mh * a, (30, 10, 10))

    return _Scene(ev, draw, sounds)


_SCENES = {
    "balls": _balls,
    "drum": partial(_striker, hammer=False),
    "flash": _flash,
    "mouth": _mouth,
    "hammer": partial(_striker, hammer=True),
}

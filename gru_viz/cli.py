"""Command line: `python -m gru_viz train ...`, `python -m gru_viz add A B`,
`python -m gru_viz figure A B --view ...`, `python -m gru_viz handmade -o FILE`, and the proof's
`certify` and `check-proof`."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

from gru_viz import certificate, proof, proof_check
from gru_viz.config import GATES, PRESETS, TUNABLE, TrainConfig


def parse_operand(text: str) -> int:
    """A non-negative decimal integer: ASCII digits only, surrounding spaces allowed."""
    digits = text.strip()
    if not digits or not (digits.isascii() and digits.isdigit()):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a non-negative whole number in decimal digits (0-9)"
        )
    from gru_viz.inputs import digits_to_int

    return digits_to_int(digits)  # int() refuses more than 4,300 digits


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gru_viz", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a model and save it")
    train.add_argument("--preset", choices=sorted(PRESETS), default="robust")
    for field in TUNABLE:
        train.add_argument(
            field.flag,
            *field.aliases,
            dest=field.name,
            type=field.kind,
            help=f"{field.help} (if not given: the preset's; seed 0)",
        )
    train.add_argument(
        "--hold",
        action="append",
        choices=GATES,
        default=[],
        help="hold this gate at 1 in every unit (z: update, a plain tanh RNN; r: reset); "
        "give it twice for both",
    )
    train.add_argument("--output", "-o", type=Path, default=Path("model.npz"), help="model file")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    add = commands.add_parser("add", help="add two numbers with a model and show its bits")
    add.add_argument("a", type=parse_operand, help="non-negative decimal integer")
    add.add_argument("b", type=parse_operand, help="non-negative decimal integer")
    add.add_argument("--model", type=Path, help="model file (default: the shipped model)")
    add.add_argument("--n-bits", type=int, help="pad the bitstrings to this many bits")
    handmade = commands.add_parser(
        "handmade",
        help="write the hand-made adder (weights written, not trained) to a model file",
        description="Write gru_viz.handmade_adder(), a 2-unit GRU whose weights are written "
        "from the arithmetic of a full adder, to a model file any command and the page read.",
    )
    handmade.add_argument(
        "--output", "-o", type=Path, default=Path("handmade.npz"), help="model file"
    )
    add_figure_parser(commands)
    add_deck_parser(commands)
    add_certify_parser(commands)
    add_check_parser(commands)
    return parser


def add_figure_parser(commands) -> None:
    from gru_viz.export import DEFAULT_SIZE, FORMATS, MAX_VECTOR_CELLS
    from gru_viz.figures.animation import MAX_FRAMES
    from gru_viz.figures.theme import THEMES
    from gru_viz.views import VIEWS

    figure = commands.add_parser(
        "figure",
        help="write a figure of one addition for slides (PNG, SVG, PDF, HTML, DOT)",
        description=(
            "Write one view of a + b as the explorer draws it. PNG, SVG and PDF are drawn in "
            "a headless Chrome or Chromium (BROWSER_PATH, or chromium on PATH; apt-get "
            "install chromium); HTML needs none and is self-contained. SVG heatmaps are one "
            f"<rect> per cell up to {MAX_VECTOR_CELLS:,} cells, a raster image above that. "
            "The machine is Graphviz DOT: --format dot, or any format where Graphviz's dot "
            "is installed. The steps view is the step-through as HTML with a play button (the "
            f"first {MAX_FRAMES} bits at most)."
        ),
    )
    figure.add_argument("a", type=parse_operand, help="non-negative decimal integer")
    figure.add_argument("b", type=parse_operand, help="non-negative decimal integer")
    views = "; ".join(f"{name}: {view.title}" for name, view in VIEWS.items())
    figure.add_argument("--view", default="gates", help=f"one of {views} (default gates)")
    figure.add_argument(
        "--format",
        dest="fmt",
        help=f"one of {', '.join(FORMATS)} (default: from -o, else png; html for steps)",
    )
    width, height = DEFAULT_SIZE
    figure.add_argument(
        "--size", default=f"{width}x{height}", help=f"WIDTHxHEIGHT in pixels ({width}x{height})"
    )
    figure.add_argument("--theme", default="light", help=f"one of {', '.join(THEMES)} (light)")
    figure.add_argument("--model", type=Path, help="model file (default: the shipped model)")
    figure.add_argument(
        "--all", action="store_true", help="every view, one file each, into the folder -o"
    )
    figure.add_argument(
        "--output", "-o", type=Path, help="file (folder with --all); default: named after it"
    )


def add_deck_parser(commands) -> None:
    from gru_viz.figures.theme import THEMES

    deck = commands.add_parser(
        "deck",
        help="write the story as slides for a talk (HTML, or PDF with one page per slide)",
        description=(
            "Write the Story's eight steps as 16:9 slides (1280x720, text at least 16 px) with "
            "figures drawn from the models: one self-contained HTML file (arrow keys move) or a "
            "PDF printed by Chromium (one page per slide, fonts embedded). A question is a "
            "slide of its own, the model's answer the next."
        ),
    )
    deck.add_argument("--output", "-o", type=Path, required=True, help="talk.html or talk.pdf")
    deck.add_argument("--format", dest="fmt", help="html or pdf (default: from -o)")
    deck.add_argument("--theme", default="light", help=f"one of {', '.join(THEMES)} (light)")
    deck.add_argument(
        "--model", type=Path, help="the model the talk is about (default: the shipped model)"
    )
    deck.add_argument("--a", type=parse_operand, default=1024, help="first number (1024)")
    deck.add_argument("--b", type=parse_operand, default=16, help="second number (16)")


def run_deck(args: argparse.Namespace) -> int:
    from gru_viz import deck, export, story
    from gru_viz.figures.theme import get_theme

    theme = get_theme(args.theme)
    fmt = args.fmt or args.output.suffix.lstrip(".").lower() or "html"
    if fmt not in deck.FORMATS:
        raise ValueError(f"a deck is written as html or pdf; got {fmt!r}")
    export.check_output(args.output)
    if fmt == "pdf":
        export.require_browser()
    if args.model is not None and not args.model.is_file():
        raise ValueError(f"cannot read model file {args.model}: no such file")
    chosen = {"a": args.a, "b": args.b}
    if args.model is not None:
        from gru_viz.model import load_model

        chosen.update(robust=load_model(args.model), robust_path=args.model)
    cast = dataclasses.replace(story.shipped_cast(), **chosen)
    written = deck.write_deck(cast, args.output, fmt, theme)
    print(f"wrote {written} ({written.stat().st_size:,} bytes)")
    return 0


def progress_printer(stream, every: float = 0.1):
    """An on_step callback that redraws one progress line with the loss and latest accuracy,
    at most once every `every` seconds, and always on check steps."""
    latest: dict[int, float] = {}
    last_drawn = [0.0]

    def on_step(info) -> None:
        latest.update(info.accuracy or {})
        now = time.monotonic()
        if info.accuracy is None and now - last_drawn[0] < every:
            return
        last_drawn[0] = now
        done = int(30 * info.step / info.max_steps)
        accuracy = " ".join(f"{bits}b:{acc:.0%}" for bits, acc in latest.items())
        stream.write(
            f"\r[{'#' * done}{'.' * (30 - done)}] step {info.step}/{info.max_steps} "
            f"loss {info.loss:.4f} exact {accuracy or '-'}  "
        )
        stream.flush()

    return on_step


def run_train(args: argparse.Namespace) -> int:
    from gru_viz.replay import SnapshotRecorder, replay_path, save_replay
    from gru_viz.training import train

    fields = {f.name: getattr(args, f.name) for f in TUNABLE}
    fields = {k: v for k, v in fields.items() if v is not None}
    config = TrainConfig(preset=args.preset, held_gates=tuple(args.hold), **fields)
    check_output(args.output)
    start = time.perf_counter()
    recorder = SnapshotRecorder()
    callbacks = [recorder] + ([] if args.quiet else [progress_printer(sys.stderr)])
    model, history = train(config, on_step=lambda info: any([c(info) for c in callbacks]))
    saved = save_somewhere(model, args.output)
    try:
        save_replay(recorder.replay(model), replay_path(saved))
    except OSError as error:  # the model is saved; only its record is not
        print(f"\nnote: could not save how it learned: {error}", file=sys.stderr)
    checks = history.checks[-1][1] if history.checks else {}
    seconds = time.perf_counter() - start
    print(
        f"\n{history.stopped} after {history.steps[-1]} steps in {seconds:.1f} s; "
        f"exact sums {checks}; saved {saved} and how it learned in {replay_path(saved).name}"
    )
    return 0 if saved == args.output else 2


def check_output(path: Path) -> None:
    """ValueError, before any training, if a model file cannot be written at `path`."""
    if path.is_dir():
        raise ValueError(
            f"cannot save to {path}: it is a folder; name a file such as {path / 'model.npz'}"
        )
    if not path.parent.is_dir():
        raise ValueError(f"cannot save to {path}: folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK):
        raise ValueError(f"cannot save to {path}: folder {path.parent} is not writable")


def save_somewhere(model, path: Path) -> Path:
    """Save to `path`; if that fails (a full or read-only disk), to a file in the temporary
    folder instead, saying so on stderr. The path written, or OSError if neither could be."""
    try:
        model.save(path)
        return path
    except OSError as error:
        reason = error.strerror or str(error)
    fallback = Path(tempfile.gettempdir()) / f"gru-viz-model-{os.getpid()}-{time.time_ns()}.npz"
    try:
        model.save(fallback)
    except OSError as again:
        raise OSError(
            f"could not save the trained model to {path} ({reason}) nor to {fallback} "
            f"({again.strerror or again}); it is lost"
        ) from None
    print(
        f"\nerror: could not save to {path} ({reason}); saved to {fallback} instead",
        file=sys.stderr,
    )
    return fallback


def run_handmade(args: argparse.Namespace) -> int:
    from gru_viz.handmade import handmade_adder

    check_output(args.output)
    model = handmade_adder()
    model.save(args.output)
    print(
        f"wrote {args.output}: the hand-made adder, {model.hidden_size} units, weights written "
        f"by hand; prove it with python -m gru_viz certify {args.output} -o CERTIFICATE.npz"
    )
    return 0


def run_add(args: argparse.Namespace) -> int:
    from gru_viz.inputs import int_to_digits
    from gru_viz.model import load_model

    trace = load_model(args.model).trace(args.a, args.b, n_bits=args.n_bits)
    rows = [
        ("a", args.a, trace.bits_a),
        ("b", args.b, trace.bits_b),
        ("true sum", trace.true_sum, trace.bits_true),
        ("predicted", trace.predicted_sum, trace.bits_pred),
    ]
    rows = [(label, int_to_digits(value), row) for label, value, row in rows]
    width = max(len("decimal"), *(len(value) for _, value, _ in rows))
    print(f"{'':9} {'decimal':>{width}}  bits, least significant first")
    for label, value, row in rows:
        print(f"{label:9} {value:>{width}}  {''.join(map(str, row))}")
    wrong = "".join("^" if p != t else " " for p, t in zip(trace.bits_pred, trace.bits_true))
    if trace.correct:
        print(f"correct: {rows[0][1]} + {rows[1][1]} = {rows[3][1]}")
        return 0
    print(f"{'':9} {'':>{width}}  {wrong.rstrip()}")
    print(f"WRONG: the model says {rows[3][1]}, the true sum is {rows[2][1]}")
    return 1


def run_figure(args: argparse.Namespace) -> int:
    from gru_viz import export
    from gru_viz.figures.theme import get_theme

    size = export.parse_size(args.size)
    theme = get_theme(args.theme)
    views = export.view_names() if args.all else (export.check_view(args.view),)
    suffix = args.output.suffix.lstrip(".").lower() if args.output and not args.all else ""
    fmt = args.fmt or (suffix if suffix in export.FORMATS else export.default_format(views[0]))
    if args.all:
        export.check_format(fmt)
        folder = export.check_output(args.output or Path("gru-viz-figures"), folder=True)
    else:
        export.check_format(fmt, views[0])
        name = export.default_name(views[0], args.a, args.b, fmt)
        out = export.check_output(args.output or Path(name))
    if any(export.file_format(view, fmt) in export.STATIC for view in views):
        export.require_browser()
    if args.model is not None and not args.model.is_file():
        raise ValueError(f"cannot read model file {args.model}: no such file")
    from gru_viz.checkpoint import DEFAULT_PATH
    from gru_viz.model import load_model

    model = load_model(args.model)
    model_path = args.model or DEFAULT_PATH
    if args.all:
        written, notes = export.export_all(
            model, args.a, args.b, folder, fmt, size, theme, model_path
        )
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        print(f"wrote {len(written)} files into {folder}: {', '.join(p.name for p in written)}")
        return 0
    look = export.slide_theme(theme) if fmt in export.STATIC else theme
    figure = export.build_figure(model, args.a, args.b, views[0], look, model_path)
    export.write_figure(figure, out, fmt, size)
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")
    return 0


def add_certify_parser(commands) -> None:
    """`python -m gru_viz certify MODEL -o CERT`."""
    parser = commands.add_parser(
        "certify",
        help="prove that a model adds correctly at every length, writing a certificate",
        description=(
            "Search for a certificate (boxes of hidden states, see gru_viz.proof) that MODEL "
            "adds correctly at every length; write it to -o and check it with the separate "
            "checker. Exit 0 when proved, 1 when not (saying where the search broke)."
        ),
    )
    parser.add_argument("model", type=Path, help="model file (.npz)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="certificate file")
    parser.add_argument("--margin", type=float, default=proof.Settings.margin, help="at least 1e-5")
    parser.add_argument("--seconds", type=float, default=proof.Settings.seconds, help="time budget")


def run_certify(args) -> int:
    """Run `certify` on the model file: 0 when proved (the certificate written and checked)."""
    if not args.margin >= 1e-5:
        raise ValueError(f"--margin must be at least 1e-5; got {args.margin}")
    if not args.seconds > 0:
        raise ValueError(f"--seconds must be more than 0; got {args.seconds}")
    from gru_viz.checkpoint import read_model_file

    model = read_model_file(args.model)
    result = proof.certify(model, proof.Settings(margin=args.margin, seconds=args.seconds))
    print(result.reason)
    if not result.proved:
        return 1
    certificate.save_certificate(result, args.output)
    ok, reason = proof_check.check(args.model, args.output)
    print(f"wrote {args.output}; the checker says: {reason}")
    return 0 if ok else 1


def add_check_parser(commands) -> None:
    """`python -m gru_viz check-proof MODEL CERT` (gru_viz.proof_check does the checking)."""
    parser = commands.add_parser(
        "check-proof",
        help="check a certificate from certify, with the separate checker",
        description=(
            "Check with gru_viz.proof_check (plain numpy, sharing no code with the search) "
            "that CERT proves MODEL adds correctly at every length. Exit 0 if valid, 1 if not."
        ),
    )
    parser.add_argument("model", help="model file (.npz)")
    parser.add_argument("certificate", help="certificate file (.npz)")


def run_check_proof(args) -> int:
    """Run the checker: 0 when the certificate is valid, 1 (and why not) otherwise."""
    ok, reason = proof_check.check(args.model, args.certificate)
    print(reason if ok else f"not valid: {reason}")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    commands = {"train": run_train, "add": run_add, "figure": run_figure}
    commands["handmade"] = run_handmade
    commands.update({"certify": run_certify, "check-proof": run_check_proof, "deck": run_deck})
    try:
        return commands[args.command](args)
    except (ValueError, OSError) as error:  # bad settings, numbers, files or disks: said plainly
        print(f"error: {error}", file=sys.stderr)
        return 2

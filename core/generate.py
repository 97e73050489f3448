"""Command line for generation: `python -m core.generate --model smollm2 --precision nf4 --prompt "Hi" --json`.

The answer streams to stdout as it is generated; with --json the last line is one JSON object with the text and
the figures (new tokens, tokens/s, time to first token, memory, device, dtype, quantization).

`--model` accepts any path: the person at the shell owns the machine (the dashboard, reachable from a browser,
confines paths to its allowed folders). A model that ships its own Python code is refused unless
`--trust-remote-code` is given for it.
"""

from __future__ import annotations

import dataclasses
import json

from core.answers import Answer
from core.cli import OneLineParser, exit_on_user_error
from core.devices import DEVICE_CHOICES, pick_device
from core.generation import GenerationSettings, generate
from core.loading import PRECISIONS, default_precision, load_model

D = GenerationSettings()


def build_parser() -> OneLineParser:
    p = OneLineParser(prog="python -m core.generate", description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="smollm2, a model folder, a .gguf file, a run folder or a hub id")
    p.add_argument(
        "--precision", choices=PRECISIONS, help="default: int8-wo on CPUs with bf16 support, bf16 on GPUs, else fp32"
    )
    p.add_argument("--prompt", required=True)
    p.add_argument("--max-new-tokens", type=int, default=D.max_new_tokens)
    p.add_argument("--temperature", type=float, default=D.temperature, help="0 (default) is greedy")
    p.add_argument("--top-k", type=int, default=D.top_k)
    p.add_argument("--top-p", type=float, default=D.top_p)
    p.add_argument("--repetition-penalty", type=float, default=D.repetition_penalty)
    p.add_argument("--seed", type=int, default=D.seed)
    p.add_argument("--stop", action="append", default=[], help="stop at this text (repeatable)")
    p.add_argument("--no-chat", action="store_true", help="do not wrap the prompt in the chat template")
    p.add_argument("--device", default="auto", choices=DEVICE_CHOICES)
    p.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="let this model run the Python code its folder ships (only for authors you trust: it can do anything)",
    )
    p.add_argument("--json", action="store_true", help="end with one JSON line of text and figures")
    return p


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)

    def body() -> None:
        settings = GenerationSettings(
            max_new_tokens=args.max_new_tokens,
            temperature=args.temperature,
            top_k=args.top_k,
            top_p=args.top_p,
            repetition_penalty=args.repetition_penalty,
            seed=args.seed,
            stop=tuple(args.stop),
            chat=not args.no_chat,
        )
        precision = args.precision or default_precision(pick_device(args.device))
        loaded = load_model(args.model, precision, args.device, trust_remote_code=args.trust_remote_code)
        generation = generate(loaded, args.prompt, settings)
        for piece in generation:
            print(piece, end="", flush=True)
        print(flush=True)
        if args.json:
            record = dataclasses.asdict(Answer.of(generation))
            record["memory_bytes"] = loaded.memory_bytes  # exact here; the pages' Answer rounds to MB
            del record["memory_mb"]
            print(json.dumps(record, ensure_ascii=False), flush=True)

    exit_on_user_error(body)


if __name__ == "__main__":
    main()

"""Generation speed of the bundled SmolLM2-135M-Instruct, greedy, 128 new tokens, at fp32, bf16, int8 and nf4:
the product's path (core.generation: chat template, streaming thread, figures) against a bare
`model.generate` on the same loaded model in the same process.

    python -m benchmarks.generate_speed [--json] [--precisions fp32,nf4] [--tokens 128]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from benchmarks.common import report

PROMPT = "Write a long story about a lighthouse keeper who finds a message in a bottle."


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bare_tokens_per_s(loaded, ids: list[int], tokens: int) -> tuple[float, int]:
    input_ids = torch.tensor([ids], device=loaded.model.device)
    started = time.perf_counter()
    out = loaded.model.generate(
        input_ids,
        attention_mask=torch.ones_like(input_ids),
        max_new_tokens=tokens,
        do_sample=False,
        temperature=None,
        top_p=None,
        top_k=None,
        pad_token_id=loaded.tokenizer.eos_token_id,
    )
    new = out.shape[1] - input_ids.shape[1]
    return new / (time.perf_counter() - started), new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--precisions", default="fp32,bf16,int8,nf4")
    parser.add_argument("--tokens", type=int, default=128)
    args = parser.parse_args()

    from core.generation import GenerationSettings, generate
    from core.loading import load_model

    figures: dict[str, object] = {"model": "SmolLM2-135M-Instruct (bundled)", "new_tokens_asked": args.tokens}
    settings = GenerationSettings(max_new_tokens=args.tokens)
    for precision in args.precisions.split(","):
        loaded = load_model("smollm2", precision)
        generate(loaded, "Hi", GenerationSettings(max_new_tokens=4)).run()  # warm-up: first-call set-up costs
        product = generate(loaded, PROMPT, settings)
        product.run()
        bare_speed, bare_new = bare_tokens_per_s(loaded, product.ids, args.tokens)
        product_speed = product.stats.tokens_per_s or 0.0
        figures |= {
            f"{precision}_product_tokens_per_s": round(product_speed, 2),
            f"{precision}_bare_tokens_per_s": round(bare_speed, 2),
            f"{precision}_product_vs_bare": round(product_speed / bare_speed, 3) if bare_speed else None,
            f"{precision}_ttft_s": round(product.stats.ttft_s or 0.0, 3),
            f"{precision}_new_tokens": product.stats.new_tokens,
            f"{precision}_bare_new_tokens": bare_new,
            f"{precision}_memory_mb": round(loaded.memory_bytes / 1e6, 1),
            f"{precision}_rss_mb": round(rss_mb(), 1),
        }
        del loaded
    report("generate_speed", figures, args.json)


if __name__ == "__main__":
    main()

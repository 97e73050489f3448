"""Generation speed of the bundled SmolLM2-135M-Instruct, greedy, 128 new tokens, at each precision the CPU runs:
the product's path (core.generation: chat template, its own streaming decode loop, figures) against a bare
`model.generate` on the same loaded model in the same process; and the product's default precision on this
machine (core.loading.default_precision) against bare fp32, with how many first greedy tokens match fp32's.

    python -m benchmarks.generate_speed [--json] [--precisions fp32,nf4] [--tokens 128] [--repeats 3]
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
    parser.add_argument("--precisions", default="fp32,bf16,int8-wo,int8,nf4")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each path; the fastest counts")
    args = parser.parse_args()

    from core.generation import GenerationSettings, generate
    from core.loading import default_precision, load_model

    default = default_precision()
    figures: dict[str, object] = {
        "model": "SmolLM2-135M-Instruct (bundled)",
        "new_tokens_asked": args.tokens,
        "default_precision": default,
    }
    settings = GenerationSettings(max_new_tokens=args.tokens)
    first_tokens: dict[str, list[int]] = {}
    for precision in args.precisions.split(","):
        loaded = load_model("smollm2", precision)
        generate(loaded, "Hi", GenerationSettings(max_new_tokens=4)).run()  # warm-up: first-call set-up costs
        products, bares = [], []
        for _ in range(args.repeats):  # alternated, so that a disturbance hits both paths alike
            product = generate(loaded, PROMPT, settings)
            product.run()
            products.append(product)
            bares.append(bare_tokens_per_s(loaded, product.ids, args.tokens))
        product = max(products, key=lambda g: g.stats.tokens_per_s or 0.0)
        bare_speed, bare_new = max(bares)
        product_speed = product.stats.tokens_per_s or 0.0
        first_tokens[precision] = product.new_ids[:16]
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
    if "fp32" in first_tokens:
        for precision, tokens in first_tokens.items():
            same = next((i for i, (a, b) in enumerate(zip(tokens, first_tokens["fp32"], strict=True)) if a != b), 16)
            figures[f"{precision}_first_tokens_equal_to_fp32"] = same  # of the first 16 greedy tokens
        if default in first_tokens and figures["fp32_bare_tokens_per_s"]:
            speedup = figures[f"{default}_product_tokens_per_s"] / figures["fp32_bare_tokens_per_s"]
            figures["default_vs_bare_fp32"] = round(speedup, 2)
    report("generate_speed", figures, args.json)


if __name__ == "__main__":
    main()

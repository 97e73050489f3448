"""Attention on SmolLM2 for a 128-token text, once the model is loaded (and its text-independent induction
probe has run): extraction, head summary and building the first heatmap. Target (issue 4): within 3 s on 2 CPU cores.

    python -m benchmarks.attention_speed [--json]
"""

from __future__ import annotations

import argparse
import time

from benchmarks.common import best_of, report

TEXT = (
    "The cat sat on the mat because it was tired. It had chased the mouse across the kitchen, up the stairs "
    "and into the garden, where the dog was sleeping under the old apple tree. When the dog woke up, the cat "
    "ran back inside and jumped onto the warm mat by the fire, and there it stayed until the evening came and "
    "the family sat down to dinner together around the long wooden table in the kitchen"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from core.attention import extract, induction_probe, load_attention_model, summarize
    from dashboard.attention_charts import attention_heatmap

    started = time.perf_counter()
    am = load_attention_model("smollm2")
    load_s = time.perf_counter() - started
    text = am.tokenizer.decode(am.tokenizer((TEXT + " ") * 3)["input_ids"][:128])  # exactly 128 tokens
    induction_probe(am)  # once per loaded model, as the page does
    maps = extract(am, text)

    def everything() -> None:
        maps = extract(am, text)
        summarize(maps, induction_probe(am))
        attention_heatmap(maps.weights[0, 0], maps.tokens, "layer 0, head 0")

    report(
        "attention_speed",
        {
            "model": maps.label,
            "tokens": len(maps.tokens),
            "load_s": round(load_s, 2),
            "extract_s": round(best_of(lambda: extract(am, text)), 3),
            "summary_with_induction_s": round(best_of(lambda: summarize(maps, induction_probe(am))), 3),
            "heatmap_s": round(best_of(lambda: attention_heatmap(maps.weights[0, 0], maps.tokens, "L0 H0")), 3),
            "total_s": round(best_of(everything), 3),
            "target_s": 3.0,
        },
        args.json,
    )


if __name__ == "__main__":
    main()

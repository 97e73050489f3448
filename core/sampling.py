"""Text in, text out for the tiny models: used for samples during training and for prompts on the Runs page."""

from __future__ import annotations

import torch

from core.errors import ErrorKind, UserError
from core.models import LanguageModel, build_model
from core.runs import Run
from core.validation import check_float, check_int

MAX_NEW_TOKENS = 2000


def generate_text(
    model: LanguageModel,
    tokenizer,
    prompt: str,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    seed: int = 0,
) -> str:
    """Continue `prompt` by `max_new_tokens` tokens and return only the continuation.

    An empty prompt starts from a newline (or the first token), i.e. samples the model unconditionally; a prompt
    longer than the model's context is cropped to its last `block_size` tokens by `model.generate`.
    """
    check_int("max new tokens", max_new_tokens, 1, MAX_NEW_TOKENS)
    check_float("temperature", temperature, 0.0, 5.0)
    if top_k is not None:
        check_int("top-k", top_k, 0, 1_000_000)
    try:
        ids = tokenizer.encode(prompt) if prompt else tokenizer.encode("\n")
    except UserError:
        if prompt:
            raise
        ids = [0]
    if not ids:
        raise UserError("The prompt has no tokens the model knows; type a different prompt.", ErrorKind.PROMPT)
    device = next(iter(model.parameters()), torch.empty(0)).device
    idx = torch.tensor([ids], dtype=torch.long, device=device)
    generator = torch.Generator(device=device).manual_seed(seed)
    out = model.generate(idx, max_new_tokens, temperature=temperature, top_k=top_k or None, generator=generator)
    return tokenizer.decode(out[0, len(ids) :].tolist())


def load_run_model(run: Run) -> tuple[LanguageModel, object]:
    """The model of a run's last checkpoint (on the CPU, in eval mode) and its tokenizer."""
    if not run.has_checkpoint():
        raise UserError(f"Run {run.name} has no checkpoint yet; wait for its first evaluation.", ErrorKind.RUN)
    from core import checkpoint

    config = run.config()
    tokenizer = run.tokenizer()
    model = build_model(config["model"], config["model_params"], tokenizer.vocab_size, config["block_size"])
    tensors, meta = run.load_checkpoint()
    model.load_state_tensors(checkpoint.unpack(tensors, meta)[0])
    return model.eval(), tokenizer

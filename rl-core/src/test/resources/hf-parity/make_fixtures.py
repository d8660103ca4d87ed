"""Makes the Hugging Face parity fixtures of rl-core's HfParityTest.

Run where PyTorch and transformers are installed:  python3 make_fixtures.py OUT_DIR
Each case is a random tiny checkpoint saved by transformers itself (config.json + model.safetensors)
and expected.json with the token ids and the logits of transformers' own forward pass (eager attention,
float32). Norm gains and biases are randomised too, so that every parameter matters.
"""
import json
import os
import sys

import torch
import transformers
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

out = sys.argv[1]
torch.manual_seed(1234)

cases = {
    "qwen2-gqa-tied": (Qwen2ForCausalLM, Qwen2Config(
        vocab_size=97, hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=8,
        num_key_value_heads=2, tie_word_embeddings=True, max_position_embeddings=128, rope_theta=10000.0)),
    "qwen2-gqa-untied": (Qwen2ForCausalLM, Qwen2Config(
        vocab_size=61, hidden_size=48, intermediate_size=64, num_hidden_layers=3, num_attention_heads=6,
        num_key_value_heads=3, tie_word_embeddings=False, max_position_embeddings=256, rope_theta=1000000.0,
        rms_norm_eps=1e-5)),
    "llama-mha-bias": (LlamaForCausalLM, LlamaConfig(
        vocab_size=50, hidden_size=48, intermediate_size=80, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=4, attention_bias=True, mlp_bias=True, tie_word_embeddings=False,
        max_position_embeddings=64)),
    "qwen2-bf16": (Qwen2ForCausalLM, Qwen2Config(
        vocab_size=40, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=1, tie_word_embeddings=True, max_position_embeddings=64)),
}

for name, (cls, cfg) in cases.items():
    cfg._attn_implementation = "eager"
    model = cls(cfg).eval()
    with torch.no_grad():
        for pname, p in model.named_parameters():
            p.copy_(torch.randn_like(p) * 0.1 + (1.0 if "norm" in pname else 0.0))
    target = os.path.join(out, name)
    ids = torch.randint(0, cfg.vocab_size, (1, 19))
    if name.endswith("bf16"):
        model.to(torch.bfloat16).save_pretrained(target, safe_serialization=True)
        # Reload in float32, as a user loading a BF16 checkpoint for float32 inference does. (Casting the
        # model back with .to(float32) would keep rotary inverse frequencies rounded to BF16.)
        model = cls.from_pretrained(target, dtype=torch.float32, attn_implementation="eager").eval()
    else:
        model.save_pretrained(target, safe_serialization=True)
    with torch.no_grad():
        logits = model(ids).logits[0].float()
    with open(os.path.join(target, "expected.json"), "w") as f:
        json.dump({"transformers": transformers.__version__, "torch": torch.__version__,
                   "ids": ids[0].tolist(), "logits": logits.tolist()}, f)
    print(name, "ok", logits.shape)

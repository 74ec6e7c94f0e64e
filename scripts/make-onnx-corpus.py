#!/usr/bin/env python3
"""Writes the real-architecture ONNX corpus the tests convert (test/fixtures/onnx-corpus/).

Usage: python3 scripts/make-onnx-corpus.py OUT_DIR

Small but real architectures with seeded random weights: torchvision's ResNet, MobileNetV3,
EfficientNet, ConvNeXt, ViT, Swin, DeepLabV3 and DenseNet classes, and Hugging Face transformers
built from config objects with few, narrow layers (BERT, GPT-2 with and without past_key_values,
T5 encoder, Whisper encoder, wav2vec2, CLIP text and vision, a Llama-style decoder), exported by
torch.onnx.export (TorchScript exporter, opset 18). Some are also quantized by onnxruntime's
quantizer (dynamic and QDQ), and BERT is run through ONNX Runtime's transformer optimizer
(com.microsoft fusions). Each model's inputs are listed in OUT_DIR/corpus.json, which the tests
read; they compare against onnxruntime-node at test time, so no outputs are stored.

With coremltools installed, each entry also records the non-const op count of coremltools'
package for the same module (torch.jit.trace, then ct.convert at iOS 17 and 18), which
`npm run bench` compares with ours. coremltools 9.0 traces these modules with numpy < 2.3 (2.4
refuses its int() of one-element arrays); the counts in corpus.json were taken with numpy 2.2.

A test tool only (torch, torchvision, transformers, onnxruntime): CI reads the committed files.
"""
import json
import os
import sys

import numpy as np
import torch
import torchvision
import transformers
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_dynamic, quantize_static

OPSET = 18


def vision_models():
    tv = torchvision.models
    from torchvision.models.convnext import CNBlockConfig
    from torchvision.models.efficientnet import _efficientnet_conf
    from torchvision.models.mobilenetv3 import _mobilenet_v3_conf
    from torchvision.models.resnet import BasicBlock
    from torchvision.models.segmentation.deeplabv3 import ASPP

    def resnet():
        # BasicBlock stages 1 and 2 (residuals with a strided downsample): the full widths of
        # stages 3 and 4 would make a 20 MB file.
        m = tv.ResNet(BasicBlock, [1, 1, 1, 1], num_classes=10)
        m.layer3, m.layer4, m.fc = torch.nn.Identity(), torch.nn.Identity(), torch.nn.Linear(128, 10)
        return m

    def mobilenet():
        setting, last = _mobilenet_v3_conf("mobilenet_v3_small", width_mult=0.25)
        return tv.MobileNetV3(setting, last, num_classes=10)

    def efficientnet():
        setting, last = _efficientnet_conf("efficientnet_b0", width_mult=0.25, depth_mult=0.25)
        return tv.EfficientNet(setting, 0.2, num_classes=10, last_channel=last)

    def convnext():
        return tv.ConvNeXt([CNBlockConfig(16, 32, 1), CNBlockConfig(32, None, 1)], num_classes=10)

    def vit():
        m = tv.VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64, num_classes=10)
        # torchvision starts the head at zeros: every output would be 0.
        torch.nn.init.normal_(m.heads.head.weight, std=0.2)
        return m

    def swin():
        return tv.SwinTransformer(patch_size=[2, 2], embed_dim=16, depths=[2, 2], num_heads=[2, 4], window_size=[4, 4], num_classes=10)

    def deeplab():
        backbone = mobilenet().features

        class Seg(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.backbone = backbone
                # DeepLabHead's layers (ASPP with dilations 12, 24, 36, then 3×3 conv) at width 32, not 256.
                self.head = torch.nn.Sequential(ASPP(backbone[-1].out_channels, [12, 24, 36], 32), torch.nn.Conv2d(32, 32, 3, padding=1, bias=False),
                                                torch.nn.BatchNorm2d(32), torch.nn.ReLU(), torch.nn.Conv2d(32, 4, 1))

            def forward(self, x):
                y = self.head(self.backbone(x))
                return torch.nn.functional.interpolate(y, size=x.shape[-2:], mode="bilinear", align_corners=False)
        return Seg()

    def densenet():
        return tv.DenseNet(growth_rate=8, block_config=(2, 2), num_init_features=16, num_classes=10)

    return [
        ("resnet", "ResNet (torchvision BasicBlock, stages 1-2)", resnet, (1, 3, 32, 32)),
        ("mobilenetv3", "MobileNetV3 small (width 0.25)", mobilenet, (1, 3, 64, 64)),
        ("efficientnet", "EfficientNet-B0 (width and depth 0.25)", efficientnet, (1, 3, 64, 64)),
        ("convnext", "ConvNeXt (two narrow stages)", convnext, (1, 3, 32, 32)),
        ("vit", "ViT (2 layers, patch 8)", vit, (1, 3, 32, 32)),
        ("swin", "Swin (2 stages, window 4)", swin, (1, 3, 32, 32)),
        ("deeplabv3", "DeepLabV3 (MobileNetV3 backbone, ASPP width 32)", deeplab, (1, 3, 64, 64)),
        ("densenet", "DenseNet (growth 8, two blocks)", densenet, (1, 3, 32, 32)),
    ]


EXPORTED = {}


def export(model, args, path, input_names, output_names, dynamic_axes=None):
    model.eval()
    EXPORTED[path] = (model, args)
    # nn.MultiheadAttention's fused inference path has no ONNX export.
    torch.backends.mha.set_fastpath_enabled(False)
    with torch.no_grad():
        torch.onnx.export(model, args, path, input_names=input_names, output_names=output_names, opset_version=OPSET,
                          dynamo=False, dynamic_axes=dynamic_axes)


class Calibration(CalibrationDataReader):
    def __init__(self, feeds):
        self.data = iter(feeds)

    def get_next(self):
        return next(self.data, None)


def main(out):
    os.makedirs(out, exist_ok=True)
    corpus = []
    torch.manual_seed(0)
    rng = np.random.default_rng(0)

    def add(name, path, inputs, quantize=False):
        entry = {"name": name, "file": os.path.basename(path), "inputs": inputs}
        counts = coremltools_ops(*EXPORTED[path]) if path in EXPORTED else None
        if counts:
            entry["coremltools"] = counts
        corpus.append(entry)
        if quantize:
            dyn = path.replace(".onnx", "-dynamic.onnx")
            quantize_dynamic(path, dyn, weight_type=QuantType.QInt8)
            corpus.append({**entry, "name": f"{name} (quantize_dynamic)", "file": os.path.basename(dyn), "quantized": True})
            qdq = path.replace(".onnx", "-qdq.onnx")
            feeds = [{k: feed(v, rng) for k, v in inputs.items()} for _ in range(4)]
            quantize_static(path, qdq, Calibration(feeds), quant_format=QuantFormat.QDQ, per_channel=True,
                            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
            corpus.append({**entry, "name": f"{name} (QDQ)", "file": os.path.basename(qdq), "quantized": True})

    for file, name, make, shape in vision_models():
        path = os.path.join(out, f"{file}.onnx")
        export(make(), (torch.randn(*shape),), path, ["x"], ["y"])
        add(name, path, {"x": {"dataType": "float32", "shape": list(shape)}}, quantize=file in ("resnet", "mobilenetv3", "vit"))

    t = transformers
    seq = 8
    ids = {"dataType": "int64", "shape": [1, seq], "range": [0, 99]}
    mask = {"dataType": "int64", "shape": [1, seq], "fill": 1}
    # The last three tokens masked out: the mask's path is exercised, not only its all-ones case.
    mask_half = {"dataType": "int64", "shape": [1, seq], "data": [1] * (seq - 3) + [0] * 3}

    class Logits(torch.nn.Module):
        """The model's first output as a tensor (transformers return dataclasses)."""

        def __init__(self, m, key):
            super().__init__()
            self.m, self.key = m, key

        def forward(self, *args):
            return getattr(self.m(*args), self.key)

    bert = t.BertModel(t.BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, max_position_embeddings=64))
    path = os.path.join(out, "bert.onnx")
    export(Logits(bert, "last_hidden_state"), (torch.randint(0, 99, (1, seq)), torch.ones(1, seq, dtype=torch.long)), path, ["input_ids", "attention_mask"], ["y"])
    add("BERT", path, {"input_ids": ids, "attention_mask": mask_half}, quantize=True)
    # ONNX Runtime's transformer optimizer (its Python fusions, opt_level 0): Attention,
    # SkipLayerNormalization, BiasGelu (com.microsoft). It fuses the attention of the eager
    # implementation's export, not sdpa's.
    from onnxruntime.transformers import optimizer
    eager = t.BertModel(t.BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                                     max_position_embeddings=64, attn_implementation="eager"))
    eager.load_state_dict(bert.state_dict())
    eager_path = os.path.join(out, "bert-eager.onnx")
    export(Logits(eager, "last_hidden_state"), (torch.randint(0, 99, (1, seq)), torch.ones(1, seq, dtype=torch.long)), eager_path, ["input_ids", "attention_mask"], ["y"])
    opt = optimizer.optimize_model(eager_path, model_type="bert", num_heads=2, hidden_size=32, opt_level=0)
    opt_path = os.path.join(out, "bert-optimized.onnx")
    opt.save_model_to_file(opt_path)
    os.remove(eager_path)
    EXPORTED[opt_path] = EXPORTED[eager_path]  # coremltools' count: the eager module it came from
    add("BERT (ONNX Runtime transformer optimizer)", opt_path, {"input_ids": ids, "attention_mask": mask_half})

    gpt2 = t.GPT2LMHeadModel(t.GPT2Config(vocab_size=100, n_embd=32, n_layer=2, n_head=2, n_positions=64, bos_token_id=1, eos_token_id=2))
    path = os.path.join(out, "gpt2.onnx")
    export(Logits(gpt2, "logits"), (torch.randint(0, 99, (1, seq)),), path, ["input_ids"], ["y"])
    add("GPT-2", path, {"input_ids": ids}, quantize=True)

    class Gpt2Past(torch.nn.Module):
        """One decoding step over a cache of `past` tokens: logits and the new cache."""

        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, k0, v0, k1, v1):
            cache = t.DynamicCache()
            cache.update(k0, v0, 0)
            cache.update(k1, v1, 1)
            r = self.m(input_ids, past_key_values=cache, use_cache=True)
            layers = r.past_key_values
            return (r.logits, *[x for i in range(2) for x in (layers.layers[i].keys, layers.layers[i].values)])
    past = 5
    kv = lambda: torch.randn(1, 2, past, 16)
    path = os.path.join(out, "gpt2-past.onnx")
    export(Gpt2Past(gpt2), (torch.randint(0, 99, (1, 1)), kv(), kv(), kv(), kv()), path, ["input_ids", "k0", "v0", "k1", "v1"], ["y", "k0_out", "v0_out", "k1_out", "v1_out"])
    cache = {"dataType": "float32", "shape": [1, 2, past, 16]}
    add("GPT-2 with past_key_values", path, {"input_ids": {"dataType": "int64", "shape": [1, 1], "range": [0, 99]}, "k0": cache, "v0": cache, "k1": cache, "v1": cache})

    t5 = t.T5EncoderModel(t.T5Config(vocab_size=100, d_model=32, d_kv=16, d_ff=64, num_layers=2, num_heads=2))
    path = os.path.join(out, "t5-encoder.onnx")
    export(Logits(t5, "last_hidden_state"), (torch.randint(0, 99, (1, seq)),), path, ["input_ids"], ["y"])
    add("T5 encoder", path, {"input_ids": ids})

    whisper = t.WhisperModel(t.WhisperConfig(vocab_size=100, d_model=32, encoder_layers=2, decoder_layers=1, encoder_attention_heads=2,
                                             decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, num_mel_bins=16, max_source_positions=16,
                                             pad_token_id=0, bos_token_id=1, eos_token_id=2, decoder_start_token_id=1)).encoder
    path = os.path.join(out, "whisper-encoder.onnx")
    export(Logits(whisper, "last_hidden_state"), (torch.randn(1, 16, 32),), path, ["mel"], ["y"])
    add("Whisper encoder", path, {"mel": {"dataType": "float32", "shape": [1, 16, 32]}})

    w2v = t.Wav2Vec2ForCTC(t.Wav2Vec2Config(vocab_size=20, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                                           conv_dim=(16, 16, 16), conv_stride=(5, 2, 2), conv_kernel=(10, 3, 3), num_conv_pos_embeddings=16,
                                           num_conv_pos_embedding_groups=2, feat_extract_norm="layer", do_stable_layer_norm=True))
    path = os.path.join(out, "wav2vec2.onnx")
    export(Logits(w2v, "logits"), (torch.randn(1, 1600), torch.ones(1, 1600, dtype=torch.long)), path, ["audio", "attention_mask"], ["y"])
    add("wav2vec2 (CTC, attention mask)", path, {"audio": {"dataType": "float32", "shape": [1, 1600]}, "attention_mask": {"dataType": "int64", "shape": [1, 1600], "fill": 1}})

    clip_text = t.CLIPTextModel(t.CLIPTextConfig(vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, max_position_embeddings=16))
    path = os.path.join(out, "clip-text.onnx")
    export(Logits(clip_text, "pooler_output"), (torch.randint(0, 99, (1, seq)),), path, ["input_ids"], ["y"])
    add("CLIP text", path, {"input_ids": ids})

    clip_vision = t.CLIPVisionModel(t.CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, image_size=32, patch_size=8))
    path = os.path.join(out, "clip-vision.onnx")
    export(Logits(clip_vision, "pooler_output"), (torch.randn(1, 3, 32, 32),), path, ["pixels"], ["y"])
    add("CLIP vision", path, {"pixels": {"dataType": "float32", "shape": [1, 3, 32, 32]}})

    llama = t.LlamaForCausalLM(t.LlamaConfig(vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                                              num_key_value_heads=2, max_position_embeddings=64,
                                              # TorchScript's export of sdpa has no grouped-query form.
                                              attn_implementation="eager"))
    path = os.path.join(out, "llama.onnx")
    export(Logits(llama, "logits"), (torch.randint(0, 99, (1, seq)),), path, ["input_ids"], ["y"])
    add("Llama-style decoder (grouped-query attention, RoPE)", path, {"input_ids": ids}, quantize=True)

    with open(os.path.join(out, "corpus.json"), "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(e) for e in corpus) + "\n]\n")
    total = 0
    for e in corpus:
        size = os.path.getsize(os.path.join(out, e["file"]))
        total += size
        print(f"{e['file']}: {size}")
    print(f"{len(corpus)} models, {total} bytes")


def coremltools_ops(model, args):
    """Non-const MIL ops of coremltools' package for the same module (traced), at iOS 17 and 18."""
    try:
        import coremltools as ct
    except ImportError:
        return None
    register_new_ones()
    counts = {}
    for key, target in (("ios17", ct.target.iOS17), ("ios18", ct.target.iOS18)):
        try:
            with torch.no_grad():
                traced = torch.jit.trace(model, args)
            inputs = [ct.TensorType(shape=a.shape, dtype=np.int32 if a.dtype == torch.long else np.float32) for a in args]
            ml = ct.convert(traced, inputs=inputs, convert_to="mlprogram", minimum_deployment_target=target, skip_model_load=True)
        except Exception as e:  # a module coremltools' torch frontend does not convert
            print(f"coremltools could not convert it ({type(e).__name__}: {str(e)[:120]})")
            return counts or None
        block = next(iter(ml.get_spec().mlProgram.functions["main"].block_specializations.values()))
        counts[key] = sum(1 for o in block.operations if o.type != "const" and not o.type.startswith("constexpr_"))
    return counts


def register_new_ones():
    """coremltools 9 has torch's new_zeros and new_full but not new_ones, which transformers 5
    writes for BERT's and wav2vec2's masks: a fill with one, in the dtype asked for (else self's)."""
    from coremltools.converters.mil import Builder as mb
    from coremltools.converters.mil.frontend.torch.ops import _get_inputs
    from coremltools.converters.mil.frontend.torch.torch_op_registry import _TORCH_OPS_REGISTRY, register_torch_op
    from coremltools.converters.mil.frontend.torch.utils import NUM_TO_NUMPY_DTYPE
    from coremltools.converters.mil.mil.types import nptype_from_builtin
    if _TORCH_OPS_REGISTRY.get_func("new_ones") is not None:
        return

    def new_ones(context, node):
        inputs = _get_inputs(context, node)
        shape = inputs[1]
        code = inputs[2].val if len(inputs) > 2 and inputs[2] is not None else None
        dtype = NUM_TO_NUMPY_DTYPE[int(code)] if code is not None else nptype_from_builtin(inputs[0].dtype)
        if dtype != np.int32 and np.issubdtype(dtype, np.integer):
            dtype = np.int32  # fill's domain: fp16, fp32, int32, bool
        one = dtype(1)
        if isinstance(shape, list):
            shape = mb.concat(values=shape, axis=0)
        if shape.val is not None and shape.val.size == 0:  # new_ones([]): a scalar
            context.add(mb.const(val=np.array(one), name=node.name))
        else:
            context.add(mb.fill(shape=mb.cast(x=shape, dtype="int32"), value=one, name=node.name))

    register_torch_op(new_ones)


def feed(spec, rng):
    shape = spec["shape"]
    if "data" in spec:
        return np.array(spec["data"], dtype=np.int64 if spec["dataType"] == "int64" else np.float32).reshape(shape)
    if "fill" in spec:
        return np.full(shape, spec["fill"], dtype=np.int64 if spec["dataType"] == "int64" else np.float32)
    if spec["dataType"] == "int64":
        lo, hi = spec.get("range", [0, 10])
        return rng.integers(lo, hi, size=shape, dtype=np.int64)
    return rng.standard_normal(shape).astype(np.float32)


if __name__ == "__main__":
    main(sys.argv[1])

"""A tiny ONNX model built in code (onnx.helper), for the demo and tests: nothing is downloaded.

It scores an image by its mean intensity, ``sigmoid(gain * (mean - centre))`` over the [1, 1, 32, 32] input: the
same feature the demo's readers judge, so a validation against their labels has something real to find.
"""

from __future__ import annotations

from imaging_hub.assurance.errors import AssuranceInputError

SIDE = 32


def mean_intensity_model(centre: float, gain: float) -> bytes:
    try:
        import onnx
        from onnx import TensorProto, helper
    except ImportError:
        raise AssuranceInputError("onnx is missing: run scripts/setup.sh") from None
    image = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 1, SIDE, SIDE])
    score = helper.make_tensor_value_info("score", TensorProto.FLOAT, [1, 1, 1, 1])
    constants = [helper.make_tensor("centre", TensorProto.FLOAT, [], [centre]),
                 helper.make_tensor("gain", TensorProto.FLOAT, [], [gain])]
    nodes = [helper.make_node("GlobalAveragePool", ["image"], ["mean"]),
             helper.make_node("Sub", ["mean", "centre"], ["shifted"]),
             helper.make_node("Mul", ["shifted", "gain"], ["logit"]),
             helper.make_node("Sigmoid", ["logit"], ["score"])]
    graph = helper.make_graph(nodes, "mean_intensity", [image], [score], initializer=constants)
    model = helper.make_model(graph, producer_name="imaging-hub", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8  # readable by onnxruntime releases from 1.14 on
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())

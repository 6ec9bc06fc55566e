"""The generated stubs (clients/python/generate.sh writes them into _gen/)."""

try:
    from ._gen.gcg.v1 import grounded_caption_pb2 as pb  # noqa: F401
    from ._gen.gcg.v1 import grounded_caption_pb2_grpc as pb_grpc  # noqa: F401
except ImportError as e:  # pragma: no cover - a build step was skipped
    raise ImportError(
        "gcg_client's protobuf stubs are missing: run clients/python/generate.sh "
        "(needs apt-get install protobuf-compiler protobuf-compiler-grpc)") from e

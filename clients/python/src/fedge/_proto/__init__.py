"""Generated gRPC stubs of the fedge.v1 protocol (Scripts/generate-python-protos.sh). Do not edit."""

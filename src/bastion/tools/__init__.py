"""The tool vocabulary: each tool's metadata, schemas and implementation, collected in a registry."""

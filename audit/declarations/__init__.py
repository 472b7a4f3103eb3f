"""Company declarations: loading, validating and converting `companies/*.toml`."""

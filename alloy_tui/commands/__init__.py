"""The shell commands (`search`, `page`, `db`, `actions`, `call`, `connections`): one module per
group, sharing exit codes, output helpers and a context in `common` and `output`."""

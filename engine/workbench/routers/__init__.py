"""The workbench's routes: open page shells and static files (`pages`), and one module of
token-guarded fragments per area."""

"""Shared readers of source text (Python ast, tree-sitter, SQL) that framework modules build on."""

"""From trees to findings: detection, parsing, snapshot assembly, isolated analysis, the engine."""

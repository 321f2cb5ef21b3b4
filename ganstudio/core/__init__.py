"""The training core: data, networks, objectives, recipes, telemetry. Never imports Qt."""

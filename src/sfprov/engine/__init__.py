"""The provisioning engine: plan (pure), apply (the only writer), cycles, safety."""

"""The directory put first on PYTHONPATH of the commands the rehearsal runs: sitecustomize."""

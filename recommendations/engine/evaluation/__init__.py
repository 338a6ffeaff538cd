"""Offline evaluation: ranking metrics, splitting protocols and the runner (same code as serving)."""

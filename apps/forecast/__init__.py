"""Forecasts a manager can plan on: growth performance per segment and a live projection with a band (docs/forecast.md)."""

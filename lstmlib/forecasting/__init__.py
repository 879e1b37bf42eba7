"""Forecasting a univariate time series (chapter 10): data, protocol, models, baselines, plots."""

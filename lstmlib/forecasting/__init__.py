"""Forecasting a univariate time series (chapter 10), in small modules with one job each:

    data        the series: Mauna Loa CO₂ and sunspots (shipped with statsmodels), Mackey–Glass
    protocol    chronological split, a normaliser fitted on the training part, windows, errors
    models      the trained forecasters: DLinear, MLP, LSTM and GRU, a small Transformer
    baselines   naive and seasonal naive forecasts; exponential smoothing and ARIMA (statsmodels)
    fit         training with the best validation checkpoint kept; forecasts in the series' unit
    plots       the chapter's figures

    from lstmlib.forecasting import data, models, fit
    from lstmlib.forecasting.protocol import Problem, errors
    problem = Problem(data.co2(), lookback=36, horizon=12)
    model, run = fit.fit(models.build("LSTM", 36, 12, size=12), problem, seed=0)
    errors(fit.forecast(model, problem, "test"), problem.truth("test")).multi_step()
"""

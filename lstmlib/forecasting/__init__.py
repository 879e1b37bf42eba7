"""Forecasting a univariate time series (chapter 10), in small modules with one job each:

    data        the series: five that ship with statsmodels (CO₂, El Niño, electrical
                equipment, unemployment, sunspots) and Mackey–Glass
    protocol    splits in time (rolling origin), a normaliser fitted on the training part,
                windows, errors by lead, MASE's scale
    models      the trained forecasters: DLinear, MLP, LSTM and GRU, PatchTST
    baselines   naive and seasonal naive forecasts; exponential smoothing and ARIMA
                (statsmodels), each in the form AICc chooses
    fit         training with warm-up and the best validation checkpoint kept; forecasts in
                the series' unit
    evaluation  MASE, skill, ranks, the Diebold–Mariano and Wilcoxon tests, shuffled windows
    plots       the chapter's figures

    from lstmlib.forecasting import data, models, fit, evaluation
    from lstmlib.forecasting.protocol import Problem
    problem = Problem.rolling(data.co2(), lookback=36, horizon=12)[-1]    # the last fold
    model, run = fit.fit(models.build("LSTM", 36, 12, size=12), problem, seed=0)
    evaluation.mase(fit.forecast(model, problem, "test"), problem.truth("test"),
                    problem.mase_scale())
"""

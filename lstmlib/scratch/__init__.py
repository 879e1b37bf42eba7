"""The LSTM from scratch in NumPy (appendix A1): no autograd, every gradient written by hand.

    numpy_lstm    the forward pass and backpropagation through time, line by line
    numpy_train   training it: a readout, gradient clipping, SGD and Adam in NumPy
"""

"""Alt text for every figure, keyed by the function that draws it.

A chapter copies it into the figure cell's metadata, so a screen reader describes the diagram:

    {"mystnb": {"image": {"alt": diagrams.ALT["forget_gate"]}}}
"""
from __future__ import annotations

ALT = {
    "rnn_chain": (
        "A plain RNN unrolled over three time steps: three identical modules side by side, each with one "
        "tanh layer that reads the previous hidden state and the input x from below, and sends its output h "
        "up as the output and right into the next module."),
    "lstm_chain": (
        "An LSTM unrolled over three time steps: three identical modules, each with four layers (sigma, sigma, "
        "tanh, sigma) and pointwise multiply, add and tanh operations; an orange cell-state line runs straight "
        "through the tops of all three modules and a hidden-state line through their bottoms."),
    "rnn_module": (
        "Inside the RNN module: the previous hidden state h_{t-1} and the input x_t are joined and go through "
        "a single tanh layer, whose output h_t is copied up as the output and right to the next step; the "
        "equation h_t = tanh(W·[h_{t-1}, x_t] + b) is written below."),
    "notation_legend": (
        "The notation of the diagrams: a rounded box is a neural-network layer, a circle is a pointwise "
        "operation, an arrow carries a vector, two lines merging concatenate their vectors, and a line "
        "forking at a dot copies its vector."),
    "lstm_module": (
        "The LSTM module: the cell state C runs along the top from C_{t-1} to C_t through a multiply and an "
        "add; below, [h_{t-1}, x_t] feeds four layers, the forget gate (sigma, vermillion), the input gate "
        "(sigma, blue), the candidate (tanh, green) and the output gate (sigma, purple), and h_t = o_t times "
        "tanh(C_t) leaves to the right and upwards."),
    "cell_state_line": (
        "The LSTM module with only the cell state highlighted: the orange line runs straight across the top "
        "from C_{t-1} to C_t and is touched only by one multiplication and one addition; everything else is "
        "greyed out."),
    "forget_gate": (
        "The LSTM module with the forget gate highlighted: h_{t-1} and x_t go into a sigma layer whose output "
        "f_t multiplies the old cell state C_{t-1}; the rest is greyed out and the equation "
        "f_t = sigma(W_f·[h_{t-1}, x_t] + b_f) is written below."),
    "input_gate": (
        "The LSTM module with step 2 highlighted: side by side, a sigma layer computes the input gate i_t and "
        "a tanh layer the candidate values C-tilde_t, both from [h_{t-1}, x_t], and the two meet in a "
        "multiplication; their equations are written below."),
    "cell_update": (
        "The LSTM module with the cell update highlighted: the old state C_{t-1} is multiplied by f_t, the "
        "candidate C-tilde_t by i_t, and the two are added to give C_t; the equation "
        "C_t = f_t ⊙ C_{t-1} + i_t ⊙ C-tilde_t is written below."),
    "output_gate": (
        "The LSTM module with the output step highlighted: a sigma layer computes o_t from [h_{t-1}, x_t], "
        "a copy of the new cell state C_t goes through tanh, and their product is h_t, sent right to the "
        "next step and up as the output; the equations are written below."),
    "peephole_lstm": (
        "The LSTM module with peephole connections: orange wires bring the cell state into the gate layers, "
        "C_{t-1} (tapped before the forget multiplication) into the forget and input gates and the new C_t "
        "into the output gate; the equations below add p ⊙ C, one peephole weight per cell, to each gate."),
    "coupled_lstm": (
        "The LSTM module with coupled forget and input gates: there is no input-gate layer; a copy of f_t "
        "goes through a 'one minus' operation and scales the candidate, so "
        "C_t = f_t ⊙ C_{t-1} + (1 − f_t) ⊙ C-tilde_t, written below."),
    "gru_module": (
        "The GRU module: no separate cell state; the hidden state runs along the top, where (1 − z_t) keeps "
        "part of h_{t-1} and z_t lets in the candidate h-tilde_t, computed by a tanh layer from x_t and "
        "r_t ⊙ h_{t-1}; update gate z_t is sky blue, reset gate r_t yellow. In this convention z_t weights "
        "the candidate; PyTorch's z_t is 1 minus this one."),
    "animate_lstm": (
        "An animation of an LSTM reading a sequence, one frame per time step: each gate's box fills with one "
        "bar per hidden unit showing its activation, and bar rows under the module show the input x_t, the "
        "cell state C_t and the output h_t."),
}

"""The LSTM layers' fast path (lstmlib.layers.fused) computes exactly what the readable cell computes.

For every variant the layer supports: outputs, final states and the gradients with respect to
the input, the initial state and every parameter, in float64 to 1e-10, from the fused Function
and from the per-step autograd loop over ``lstmlib.cells.lstm_step`` (``fused.disabled()``).
Also: when each path runs, and that the Function's backward holds up where autograd is used in
less common ways (second derivatives, torch.func, in-place edits). Speed is measured in
benchmarks/run.py, never here.
"""
import pytest
import torch
from conftest import tol

import lstmlib
from lstmlib.cells import lstm_cell
from lstmlib.layers import fused

D, H, T, B = 3, 5, 8, 4

VARIANTS = [
    {},
    {"peepholes": ("f", "i", "o")},
    {"peepholes": ("f",)},
    {"peepholes": ("i",)},
    {"peepholes": ("o",)},
    {"peepholes": ("f", "o")},
    {"coupled": True},
    {"coupled": True, "peepholes": ("f", "o")},
    {"forget_gate": False},
    {"input_gate": False},
    {"output_gate": False},
    {"input_activation": False},
    {"output_activation": False},
    {"forget_gate": False, "input_gate": False},
    {"output_gate": False, "output_activation": False},
    {"forget_gate": False, "input_gate": False, "output_gate": False, "input_activation": False,
     "output_activation": False},
]


def make(kwargs, dtype=torch.float64, batch_first=False, seed=0):
    """A layer with every parameter random and O(1), peepholes included, so no path is trivial."""
    torch.manual_seed(seed)
    layer = lstmlib.LSTM(D, H, batch_first=batch_first, dtype=dtype, **kwargs)
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_(0, 0.7)
    return layer


def fused_node(out):
    """Whether the autograd graph behind ``out`` holds the fused Function (near the output)."""
    nodes = [out.grad_fn]
    for _ in range(3):                                   # batch_first adds a transpose on top
        if any(type(n).__name__ == "_LSTMScanBackward" for n in nodes):
            return True
        nodes = [m for n in nodes if n is not None for m, _ in n.next_functions]
    return False


def run(layer, x, state, fast, weights):
    """Outputs, final state and every gradient of a loss that reads all three outputs."""
    ctx = torch.enable_grad() if fast else fused.disabled()
    with ctx:
        out, (h, c) = layer(x, state)
    assert fused_node(out) == fast, f"expected the {'fast' if fast else 'readable'} path"
    loss = (out * weights).sum() + (h ** 3).sum() + 0.7 * (c ** 2).sum()
    wrt = [x] + (list(state) if state is not None else []) + list(layer.parameters())
    return [out, h, c] + list(torch.autograd.grad(loss, wrt))


def assert_paths_equal(layer, x, state=None, atol=1e-10, rtol=1e-10):
    torch.manual_seed(1)
    weights = torch.randn(x.shape[:2] + (H,), dtype=x.dtype)    # output is laid out like x
    fast = run(layer, x, state, True, weights)
    slow = run(layer, x, state, False, weights)
    names = ["output", "h", "c", "x"] + (["h0", "c0"] if state is not None else []) + \
        [n for n, _ in layer.named_parameters()]
    assert len(fast) == len(slow) == len(names)
    for name, a, b in zip(names, fast, slow):
        assert a.shape == b.shape, name
        torch.testing.assert_close(a, b, atol=atol, rtol=rtol, msg=lambda m: f"{name}: {m}")


@pytest.mark.parametrize("kwargs", VARIANTS, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()) or "lstm")
@pytest.mark.parametrize("given_state", [False, True])
def test_fast_path_equals_readable_cell(kwargs, given_state):
    layer = make(kwargs)
    x = torch.randn(T, B, D, dtype=torch.float64, requires_grad=True)
    state = None
    if given_state:
        state = tuple(torch.randn(B, H, dtype=torch.float64, requires_grad=True) for _ in range(2))
    assert_paths_equal(layer, x, state)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shape", [(1, 1), (1, 3), (40, 1), (7, 2)])
def test_sizes_and_seeds(seed, shape, monkeypatch):
    """One step, batch of one, a longer sequence; peepholes on so every term is exercised."""
    monkeypatch.setattr(fused, "MIN_STEPS", 1)         # the layer would run 1 step on the readable path
    T_, B_ = shape
    layer = make({"peepholes": ("f", "i", "o")}, seed=seed)
    x = torch.randn(T_, B_, D, dtype=torch.float64, requires_grad=True)
    state = tuple(torch.randn(B_, H, dtype=torch.float64, requires_grad=True) for _ in range(2))
    assert_paths_equal(layer, x, state)


@pytest.mark.parametrize("cls", [lstmlib.LSTM, lstmlib.PeepholeLSTM, lstmlib.CoupledLSTM])
def test_batch_first_and_subclasses(cls):
    torch.manual_seed(0)
    layer = cls(D, H, batch_first=True, dtype=torch.float64)
    x = torch.randn(B, T, D, dtype=torch.float64, requires_grad=True)
    assert_paths_equal(layer, x)


@pytest.mark.parametrize("kwargs", [{}, {"peepholes": ("f", "i", "o")}, {"coupled": True}])
def test_float32(kwargs):
    layer = make(kwargs, dtype=torch.float32)
    x = torch.randn(T, B, D, requires_grad=True)
    state = tuple(torch.randn(B, H, requires_grad=True) for _ in range(2))
    assert_paths_equal(layer, x, state, atol=10 * tol(torch.float32), rtol=0)


def test_fast_path_equals_stepping_lstm_cell():
    """Against the textbook cell itself, called step by step as the book does."""
    layer = make({"peepholes": ("f", "o")})
    x = torch.randn(T, B, D, dtype=torch.float64)
    out, (h, c) = layer(x)
    assert fused_node(out)
    h_t = C_t = torch.zeros(B, H, dtype=torch.float64)
    for t in range(T):
        h_t, C_t, _ = lstm_cell(x[t], h_t, C_t, layer.W, layer.b, **layer.variant())
        torch.testing.assert_close(out[t], h_t, atol=1e-12, rtol=0)
    torch.testing.assert_close(h, h_t, atol=1e-12, rtol=0)
    torch.testing.assert_close(c, C_t, atol=1e-12, rtol=0)


def test_gradcheck_against_finite_differences():
    """The hand-written BPTT against numerical derivatives, independently of the readable path."""
    layer = make({"peepholes": ("f", "i", "o")})
    v = fused.Variant(layer.blocks, layer.peepholes)
    x = torch.randn(4, 2, D, dtype=torch.float64, requires_grad=True)
    h0, C0 = (torch.randn(2, H, dtype=torch.float64, requires_grad=True) for _ in range(2))
    params = [layer.W, layer.b, layer.p_f, layer.p_i, layer.p_o]
    f = lambda x, h0, C0, W, b, p_f, p_i, p_o: fused.lstm_scan(x, h0, C0, W, b, v, p_f, p_i, p_o)
    assert torch.autograd.gradcheck(f, (x, h0, C0, *params))


def test_recorded_gates_come_from_the_readable_path_and_agree():
    layer = make({"peepholes": ("f",)})
    x = torch.randn(T, B, D, dtype=torch.float64)
    out, (h, c), gates = layer(x, return_gates=True)
    assert not fused_node(out)
    fast_out, (fast_h, fast_c) = layer(x)
    torch.testing.assert_close(out, fast_out, atol=1e-12, rtol=0)
    torch.testing.assert_close(gates["C_t"][-1], fast_c, atol=1e-12, rtol=0)


def test_when_the_fast_path_runs():
    layer = lstmlib.LSTM(D, H)
    x = torch.randn(T, B, D)
    assert fused_node(layer(x)[0])
    with fused.disabled():
        assert not fused_node(layer(x)[0])
        with fused.disabled():
            pass
        assert not fused_node(layer(x)[0])                       # nesting restores correctly
    assert fused_node(layer(x)[0])
    short = torch.randn(fused.MIN_STEPS - 1, B, D)                # too short to pay for the fast path
    assert not fused_node(layer(short)[0]) and fused_node(layer(torch.randn(fused.MIN_STEPS, B, D))[0])
    half = lstmlib.LSTM(D, H, dtype=torch.bfloat16)               # NumPy has no bfloat16
    assert not fused.supported(x.bfloat16(), half.W)
    out = half(x.bfloat16())[0]
    assert out.dtype == torch.bfloat16 and not fused_node(out)


def test_no_grad_and_inference_mode():
    layer = make({})
    x = torch.randn(T, B, D, dtype=torch.float64)
    ref = layer(x)[0].detach()
    with torch.no_grad():
        torch.testing.assert_close(layer(x)[0], ref, atol=0, rtol=0)
    with torch.inference_mode():
        torch.testing.assert_close(layer(x)[0], ref, atol=0, rtol=0)


def test_only_parameters_need_gradients():
    """x and the state do not require grad (the common training case)."""
    layer = make({"coupled": True})
    x = torch.randn(T, B, D, dtype=torch.float64)
    loss = lambda: layer(x)[0].pow(2).sum()
    loss().backward()
    fast = [p.grad.clone() for p in layer.parameters()]
    layer.zero_grad()
    with fused.disabled():
        loss().backward()
    for a, p in zip(fast, layer.parameters()):
        torch.testing.assert_close(a, p.grad, atol=1e-10, rtol=0)


def test_loss_on_the_final_state_only():
    layer = make({})
    x = torch.randn(T, B, D, dtype=torch.float64, requires_grad=True)
    grads = []
    for ctx in (torch.enable_grad(), fused.disabled()):
        with ctx:
            _, (h, c) = layer(x)
        grads.append(torch.autograd.grad(c.sum(), x)[0])
    torch.testing.assert_close(grads[0], grads[1], atol=1e-10, rtol=0)


def test_second_derivatives_and_torch_func():
    """Less common uses of autograd reach the readable path and give its answers."""
    layer = make({"peepholes": ("o",)})
    x = torch.randn(4, 2, D, dtype=torch.float64)
    h0 = torch.randn(2, H, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(2, H, dtype=torch.float64)

    def hvp():                                                     # ∂/∂h0 of ‖∂L/∂h0‖²
        g, = torch.autograd.grad(layer(x, (h0, c0))[1][0].pow(2).sum(), h0, create_graph=True)
        return torch.autograd.grad(g.pow(2).sum(), h0)[0]

    f = lambda h: layer(x, (h, c0))[1][0]
    jac = lambda **kw: torch.autograd.functional.jacobian(f, h0, **kw)
    fast = [hvp(), jac(), jac(vectorize=True), torch.func.jacrev(f)(h0)]
    with fused.disabled():
        slow = [hvp(), jac(), jac(vectorize=True), torch.func.jacrev(f)(h0)]
    for a, b in zip(fast, slow):
        torch.testing.assert_close(a, b, atol=1e-10, rtol=0)


def test_outputs_can_be_edited_in_place():
    """The outputs are fresh tensors: editing one does not corrupt what backward needs."""
    layer = make({})
    x = torch.randn(T, B, D, dtype=torch.float64)
    grads = []
    for ctx in (torch.enable_grad(), fused.disabled()):
        layer.zero_grad()
        with ctx:
            out, (h, c) = layer(x)
        out.mul_(2)
        h.zero_()
        (out.sum() + c.sum()).backward()
        grads.append(layer.W.grad.clone())
    torch.testing.assert_close(grads[0], grads[1], atol=1e-10, rtol=0)


def test_editing_weights_before_backward_is_refused():
    """As on the readable path, autograd notices W changed between forward and backward."""
    layer = make({})
    out, _ = layer(torch.randn(T, B, D, dtype=torch.float64))
    with torch.no_grad():
        layer.W.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_forward_order_puts_sigmoid_gates_first():
    assert fused.Variant().forward_order() == ("f", "i", "o", "C")
    assert fused.Variant(peepholes=("o",)).forward_order() == ("f", "i", "C", "o")
    assert fused.Variant(blocks=("f", "C", "o"), coupled=True).forward_order() == ("f", "o", "C")
    assert fused.Variant(blocks=("C",)).forward_order() == ("C",)


def test_numpy_products_run_on_one_blas_thread():
    """OpenBLAS worker threads left spinning after a product slow torch down on 2 cores."""
    import threadpoolctl

    with fused._one_blas_thread():
        blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        assert all(i["num_threads"] == 1 for i in blas)

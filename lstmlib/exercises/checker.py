"""Exercise checkers in the spirit of Kaggle Learn's ``q.check()``, ``q.hint()``, ``q.solution()``.

An :class:`Exercise` knows the right answer (``reference``) and the usual ways to get it wrong
(its ``mistakes``: a wrong gate's rows of W, a flipped sign, sigmoid where tanh belongs, ...).
``check(fn)`` runs the reader's function on test inputs and says exactly what is wrong, or that
it is correct:

    q = exercises.forget_step
    q.check(my_forget_step)        # prints "Correct." or what is wrong, e.g. the wrong gate
    q.hint()                       # the next hint
    q.solution()                   # the reference solution's code

The diagnosis, in order: the function raised (with the exception); it returned the wrong kind
of thing or a tensor of the wrong shape (expected vs got); its values match the reference on
every test input (correct); they match one of the known mistakes (that mistake's message); else
the output that is wrong and by how much. :meth:`Exercise.diagnose` returns the verdict without
printing it, for tests.
"""
from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass, field
from typing import Callable

import torch

WIDTH = 79                   # printed lines fit the book's column
ATOL = 1e-6


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: ``fn`` computes what it returns, ``message`` says what went wrong."""
    name: str
    fn: Callable
    message: str


@dataclass
class Verdict:
    """The outcome of a check: ``correct`` and the ``message`` that :meth:`Exercise.check` prints.
    ``mistake`` names the known mistake that explains the answer, if one does."""
    correct: bool
    message: str
    mistake: str | None = None

    def __bool__(self):
        return self.correct


@dataclass
class Exercise:
    """An exercise with a checker.

    Args:
        title: what the reader implements, e.g. "Step 1: the forget gate".
        signature: the function the reader writes, e.g. "forget_step(x_t, h_prev, C_prev, W, b)".
        outputs: the names of what it returns, in order, e.g. ("f_t", "C_kept"); a single name
            means it returns one tensor, several mean a tuple.
        reference: the right answer, a function with that signature (:meth:`solution` prints
            its code, so it is written for readers: the book's symbols, lines under 80 columns).
        inputs: ``inputs(generator) -> dict`` of every argument for one test case, by name;
            each call passes the signature's arguments positionally, in order.
        mistakes: known wrong answers, tried in order.
        hints: shown one at a time by :meth:`hint`.
        shapes: each output's shape in symbols, for the messages, e.g. {"output": "(T, B, 2H)"};
            an output not named here is (B, H).
    """
    title: str
    signature: str
    outputs: tuple[str, ...]
    reference: Callable
    inputs: Callable
    mistakes: list[Mistake] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    cases: int = 3
    shapes: dict = field(default_factory=dict)
    _hints_shown: int = 0

    @property
    def args(self) -> tuple[str, ...]:
        """The argument names of ``signature``, in order: each call passes them positionally."""
        inside = self.signature[self.signature.index("(") + 1:self.signature.rindex(")")]
        return tuple(a.strip() for a in inside.split(",") if a.strip())

    def _case(self, k):
        """Test case k: the arguments, fresh copies, in the signature's order."""
        kwargs = self.inputs(torch.Generator().manual_seed(k))
        return [kwargs[name].clone() if isinstance(kwargs[name], torch.Tensor) else kwargs[name]
                for name in self.args]

    # -----------------------------------------------------------------------------------------
    def check(self, fn) -> None:
        """Run ``fn`` on the test inputs and print what is wrong with it, or "Correct."."""
        print(self.diagnose(fn).message)

    def hint(self) -> None:
        """Print the next hint (the last one again once all have been shown)."""
        if not self.hints:
            print("No hints for this exercise.")
            return
        k = min(self._hints_shown, len(self.hints) - 1)
        self._hints_shown += 1
        print(_wrap(f"Hint {k + 1} of {len(self.hints)}: {self.hints[k]}"))

    def solution(self) -> None:
        """Print the reference solution's code."""
        code = textwrap.dedent(inspect.getsource(self.reference)).rstrip()
        print(code.replace(f"def {self.reference.__name__}(", f"def {self.signature.split('(')[0]}(", 1))

    # -----------------------------------------------------------------------------------------
    def diagnose(self, fn):
        """What :meth:`check` would print, as a :class:`~lstmlib.exercises.Verdict` (correct, message, mistake)."""
        if not callable(fn):
            return self._no(f"expected a function {self.signature}, got {type(fn).__name__} {fn!r}")
        answers, expected = [], []
        for k in range(self.cases):
            try:
                got = fn(*self._case(k))
            except NotImplementedError:
                return self._no(f"{_name(fn)} is not written yet: replace the `raise "
                                f"NotImplementedError` (or the ...) with your code.")
            except Exception as err:  # noqa: BLE001 (the reader's error is the message)
                return self._no(f"{_name(fn)} raised {type(err).__name__}: {err}", self._raised_hint(err))
            problem = self._form(got, k)
            if problem:
                return self._no(problem)
            answers.append(self._as_tuple(got))
            expected.append(self._as_tuple(self.reference(*self._case(k))))
        wrong = [name for j, name in enumerate(self.outputs)
                 if not all(_close(a[j], e[j]) for a, e in zip(answers, expected))]
        if not wrong:
            return Verdict(True, _wrap(f"Correct. {self.title}: {_name(fn)} matches the reference "
                                       f"on {self.cases} test inputs."))
        for m in self.mistakes:
            if self._matches(m, answers):
                return Verdict(False, _wrap(f"Not yet. {m.message}"), m.name)
        notes = []
        for j, name in enumerate(self.outputs):
            if name in wrong:
                m = self._explains_output(j, answers)
                notes.append(f"{name}: {m.message}" if m else f"{name} is wrong: " + _difference(
                    answers[0][j], expected[0][j]))
        return Verdict(False, _wrap("Not yet. " + " ".join(notes)))

    # -----------------------------------------------------------------------------------------
    def _no(self, message, hint=None):
        return Verdict(False, _wrap("Not yet. " + message + (f" {hint}" if hint else "")))

    answer_kind = "tensors"            # what an answer holds, in the messages about its form

    def _outputs(self, got):
        """The answer as a tuple of its outputs, as the function returned them."""
        return (got,) if len(self.outputs) == 1 else tuple(got)

    def _as_tuple(self, got):
        """The answer as a tuple of outputs ready to compare (here: as returned)."""
        return self._outputs(got)

    def _form(self, got, k):
        """The first problem with the kind or shape of the answer, or None."""
        expected = self._outputs(self.reference(*self._case(k)))
        n, names = len(self.outputs), ", ".join(self.outputs)
        if got is None:
            return f"{_name_of(self.signature)} returned None: did you forget `return {names}`?"
        if n > 1 and not isinstance(got, (tuple, list)):
            return f"expected a tuple ({names}) of {n} {self.answer_kind}, got {self._kind_of(got)}"
        if n > 1 and len(got) != n:
            return (f"expected a tuple ({names}) of {n} {self.answer_kind}, got a {type(got).__name__} "
                    f"of {len(got)}")
        for name, a, e in zip(self.outputs, self._outputs(got), expected):
            problem = self._output_form(name, a, e)
            if problem:
                return problem
        return None

    def _kind_of(self, got):
        """What ``got`` is, in a message: a tensor's shape, or the name of its type."""
        return _kind(got)

    def _output_form(self, name, a, e):
        """The problem with the output ``name`` of an answer, ``a``, given the reference's ``e``, or None."""
        if not isinstance(a, torch.Tensor):
            return f"expected {name} to be a torch.Tensor of shape {_shape(e)}, got {_kind(a)}"
        if a.shape != e.shape:
            hint = " (the transpose: keep one row per sequence)" if a.shape == e.shape[::-1] else ""
            return f"expected {name} of shape {self.shapes.get(name, '(B, H)')} = {_shape(e)}, got {_shape(a)}{hint}"
        if not torch.isfinite(a).all():
            return f"{name} holds NaN or infinite values"
        return None

    def _matches(self, mistake, answers):
        for k, a in enumerate(answers):
            m = self._as_tuple(mistake.fn(*self._case(k)))
            if not all(_close(x, y) for x, y in zip(a, m)):
                return False
        return True

    def _explains_output(self, j, answers):
        for m in self.mistakes:
            if all(_close(a[j], self._as_tuple(m.fn(*self._case(k)))[j]) for k, a in enumerate(answers)):
                return m
        return None

    def _raised_hint(self, err):
        text = str(err)
        if "mat1 and mat2 shapes cannot be multiplied" in text or "size of tensor" in text:
            return ("Check the shapes: [h_prev, x_t] is torch.cat([h_prev, x_t], dim=1), (B, H + D), "
                    "and a gate's rows of W are (H, H + D), so its pre-activation is v @ W_gate.T.")
        return None


# ---------------------------------------------------------------------------------------------
def _close(a, b):
    return a.shape == b.shape and torch.allclose(a.double(), b.double(), atol=ATOL, rtol=1e-5)


def _shape(t):
    return tuple(t.shape)


def _kind(x):
    return f"a tensor of shape {_shape(x)}" if isinstance(x, torch.Tensor) else type(x).__name__


def _name(fn):
    return f"{getattr(fn, '__name__', 'your function')}()"


def _name_of(signature):
    return signature.split("(")[0] + "()"


def _difference(a, e):
    d = (a.double() - e.double()).abs()
    k = int(d.argmax())
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(k), d.shape))
    return (f"the largest difference from the expected values is {d.max().item():.3g}, at index "
            f"{index} (expected {e.flatten()[k].item():.4f}, got {a.flatten()[k].item():.4f}).")


def _wrap(text):
    return "\n".join(textwrap.wrap(text, WIDTH, break_on_hyphens=False))

"""The checks of a TFLite graph as a whole, before any operator is converted: the graph's
inputs and outputs, which operator computes which tensor, and the order of the operators.

    order = check_graph(model)   # the operators in an order where every input is computed
                                 # before use; raises ConversionError naming the problem

TFLite runs the operators in the order of the file, so a tensor used before the operator that
computes it is a malformed model unless the operators merely need sorting; a cycle (operators
that need each other's outputs) can never run and is refused, naming the operators.
"""
from tflite_reader import ConversionError


def _names(model, indices, what):
    """The graph's input or output tensors must have distinct, non-empty, printable names (they
    become the ONNX graph's names, by which OpenCV's users feed and read them)."""
    seen = {}
    for k, idx in enumerate(indices):
        t = model.tensors[idx]
        if idx in seen:
            raise ConversionError(f"graph {what} {k} repeats {what} {seen[idx]} ({t.describe()})")
        if not t.name:
            raise ConversionError(f"graph {what} {k}: {t.describe()} has no name")
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in t.name):
            # OpenCV looks its inputs and outputs up by C string: a NUL would cut the name.
            raise ConversionError(f"graph {what} {k}: {t.describe()} has control characters in its name")
        seen[idx] = k


def check_graph(model):
    """Checks what no single operator can: at least one operator; the graph's inputs are
    FLOAT32 tensors of known shape that no operator computes; its outputs are computed by an
    operator; every tensor is computed at most once, never over a constant; every input of an
    operator is a constant, a graph input or computed by another operator; no cycle. Returns
    the operators in an order that computes each tensor before its use (the file's order where
    it already does)."""
    m = model
    if not m.operators:
        raise ConversionError("the graph has no operators: nothing to convert")
    if not m.inputs:
        raise ConversionError("the graph has no inputs")
    if not m.outputs:
        raise ConversionError("the graph has no outputs")
    _names(m, m.inputs, "input")
    _names(m, m.outputs, "output")
    input_set = set(m.inputs)
    for k, idx in enumerate(m.inputs):
        t = m.tensors[idx]
        if t.data is not None:
            raise ConversionError(f"graph input {k}: {t.describe()} is a constant")
        if t.type_code != 0:
            raise ConversionError(f"graph input {k}: {t.describe()} is {t.type_name}: only FLOAT32 inputs are "
                                  "supported")
        if not t.shape or any(d < 1 for d in t.shape):
            raise ConversionError(f"graph input {k}: {t.describe()} has shape {t.shape}: every dimension must "
                                  "be at least 1")

    producer = {}  # tensor index -> the operator that computes it
    for op in m.operators:
        if len(set(op.outputs)) != len(op.outputs):
            raise ConversionError(f"{op.describe()}: the same tensor is listed twice among its outputs")
        for k, idx in enumerate(op.outputs):
            t = m.tensors[idx]
            if idx in input_set:
                raise ConversionError(f"{op.describe()}: output {k} is graph input {t.describe()}")
            if t.data is not None:
                raise ConversionError(f"{op.describe()}: output {k} is {t.describe()}, a constant")
            if idx in producer:
                raise ConversionError(f"{op.describe()}: output {k} is {t.describe()}, already computed by "
                                      f"{producer[idx].describe()}")
            producer[idx] = op
    for op in m.operators:
        for k, idx in enumerate(op.inputs):
            if idx == -1 or idx in input_set or idx in producer or m.tensors[idx].data is not None:
                continue
            raise ConversionError(f"{op.describe()}: input {k} is {m.tensors[idx].describe()}, which no operator "
                                  "computes and which is neither a graph input nor a constant")
    for k, idx in enumerate(m.outputs):
        if idx not in producer:
            raise ConversionError(f"graph output {k}: {m.tensors[idx].describe()} is not computed by any operator")
    input_names = {m.tensors[i].name for i in m.inputs}
    for k, idx in enumerate(m.outputs):
        if m.tensors[idx].name in input_names:
            raise ConversionError(f"graph output {k}: {m.tensors[idx].describe()} has the name of a graph input")
    return _order(m, producer)


def _order(m, producer):
    """The operators sorted so that each comes after those computing its inputs (a stable
    topological sort: the file's order where possible); a cycle is refused by name."""
    deps = {op.index: sorted({producer[i].index for i in op.inputs if i in producer}) for op in m.operators}
    if all(d < op.index for op in m.operators for d in deps[op.index]):
        return list(m.operators)
    # Depth-first search from each operator in file order; GREY marks the current path.
    WHITE, GREY, BLACK = 0, 1, 2
    state = {op.index: WHITE for op in m.operators}
    order = []
    for root in m.operators:
        if state[root.index] != WHITE:
            continue
        stack = [(root.index, iter(deps[root.index]))]
        state[root.index] = GREY
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                state[node] = BLACK
                order.append(m.operators[node])
            elif state[nxt] == GREY:
                path = [n for n, _ in stack]
                cycle = path[path.index(nxt):]
                names = " -> ".join(m.operators[n].describe() for n in cycle + [nxt])
                raise ConversionError(f"{m.operators[nxt].describe()}: the operators form a cycle, each needing "
                                      f"the next one's output: {names}")
            elif state[nxt] == WHITE:
                state[nxt] = GREY
                stack.append((nxt, iter(deps[nxt])))
    return order

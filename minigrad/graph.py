"""The graph walk: order the recorded graph and push gradients through it.

It knows a tensor only by the attributes every tensor has (``_ctx``,
``_requires_grad``, ``shape``, ``data``) and its identity hash (tensors key
the walk's sets and dicts directly), and a node by ``inputs``,
``needs_input_grad`` and ``backward``; it imports neither the Tensor nor any op.
The walk is iterative, so a chain of 100,000 ops needs no recursion. A walk
for ``grad`` computes only the gradients on a path to the tensors it wants
(as PyTorch does): a gradient penalty's first backward skips every weight gradient.
"""
from .grad_mode import set_grad_enabled

FREED_MESSAGE = (
    "backward through a graph whose buffers were already freed: a second backward "
    "(or grad) through the same graph needs retain_graph=True on the first"
)


def topological_order(roots):
    """Every tensor that requires grad and is reachable from ``roots``, inputs first."""
    order, visited = [], set()
    stack = [(root, False) for root in reversed(roots)]
    while stack:
        tensor, children_done = stack.pop()
        if children_done:
            order.append(tensor)
            continue
        if tensor in visited:
            continue
        visited.add(tensor)
        stack.append((tensor, True))
        node = tensor._ctx
        if node is None:
            continue
        if node.inputs is None:
            raise RuntimeError(FREED_MESSAGE)
        for parent in node.inputs:
            if parent._requires_grad and parent not in visited:
                stack.append((parent, False))
    return order


def run_backward(roots, root_grads, retain_graph, create_graph, wanted=None):
    """Propagate ``root_grads`` from ``roots`` through the graph.

    With ``wanted`` None, gradients accumulate into the ``.grad`` of leaves
    (and of tensors that asked ``retain_grad``); otherwise the gradients of the
    ``wanted`` tensors (a set) are returned as a dict tensor -> gradient and no ``.grad`` changes.
    """
    order = topological_order(roots)
    reaching = None if wanted is None else _reaching(order, wanted)
    pending = _Pending(create_graph)
    found = {}
    with set_grad_enabled(create_graph):
        for root, grad in zip(roots, root_grads):
            pending.add(root, grad)
        for tensor in reversed(order):
            grad = pending.pop(tensor)
            if grad is None:
                continue
            if wanted is not None and tensor in wanted:
                found[tensor] = grad
            elif wanted is None and (tensor._ctx is None or tensor._retains_grad):
                tensor._accumulate_grad(grad, create_graph)
            node = tensor._ctx
            if node is not None:
                _propagate(node, grad, pending, reaching)
                if not retain_graph:
                    node.release()
    return found


def _reaching(order, wanted):
    """The tensors a gradient of a ``wanted`` one flows through: those and the ones made from them."""
    reaching = set()
    for tensor in order:  # inputs first, so a tensor's inputs are decided before it
        node = tensor._ctx
        if tensor in wanted or (node is not None and not reaching.isdisjoint(node.inputs)):
            reaching.add(tensor)
    return reaching


def _propagate(node, grad, pending, reaching):
    """Run ``node.backward`` for the inputs a gradient must reach (all that need one, unless ``reaching`` says)."""
    if node.inputs is None:
        raise RuntimeError(FREED_MESSAGE)
    flows = node.needs_input_grad
    if reaching is not None:
        flows = tuple(needed and parent in reaching for needed, parent in zip(flows, node.inputs))
    input_grads = _backward_for(node, grad, flows)
    if not isinstance(input_grads, tuple):
        input_grads = (input_grads,)
    for parent, needed, parent_grad in zip(node.inputs, flows, input_grads):
        if needed and parent_grad is not None:
            if parent_grad.data.shape != parent.data.shape:
                raise RuntimeError(
                    f"{node.name}.backward returned a gradient of shape {parent_grad.shape} "
                    f"for an input of shape {parent.shape} (a bug in that op)"
                )
            pending.add(parent, parent_grad)


def _backward_for(node, grad, flows):
    """``node.backward(grad)`` told (by ``needs_input_grad``, which backward reads) to compute only ``flows``."""
    recorded = node.needs_input_grad
    if flows == recorded:
        return node.backward(grad)
    node.needs_input_grad = flows
    try:
        return node.backward(grad)
    finally:
        node.needs_input_grad = recorded


class _Pending:
    """Gradients waiting for their tensor's turn, summed as they arrive.

    Without ``create_graph`` the first sum makes a fresh array this walk owns,
    and later contributions are added into it in place; a gradient an op
    returned is never written to, since it may alias another one.
    """

    def __init__(self, create_graph):
        self.create_graph = create_graph
        self.grads = {}
        self.owned = set()

    def add(self, tensor, grad):
        total = self.grads.get(tensor)
        if total is None:
            self.grads[tensor] = grad
        elif tensor in self.owned:
            total.data += grad.data
        else:
            self.grads[tensor] = total + grad
            if not self.create_graph:
                self.owned.add(tensor)

    def pop(self, tensor):
        return self.grads.pop(tensor, None)

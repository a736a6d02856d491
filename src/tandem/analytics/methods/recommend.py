"""Recommendations: item-item co-purchase similarity ("bought together"), blended with the
customer's own repeat purchases ("for this customer"); the popularity baseline.

Input rows are baskets: (customer, order, product). Products and customers may be any hashable
ids; the matrices are scipy sparse, one row per basket.
"""

from __future__ import annotations

from dataclasses import dataclass

# similarity and popularity count less than having bought the item: they break ties and fill
# the list (weights tuned on the Instacart sample, see docs/analytics.md)
SIMILAR_WEIGHT = 0.05
POPULAR_WEIGHT = 0.05


@dataclass
class CoPurchase:
    products: list  # index -> product id
    index: dict  # product id -> index
    similarity: object  # csr (n_products x n_products), zero diagonal
    popularity: object  # numpy array: number of baskets with the product
    customer_counts: object  # csr (n_customers x n_products): baskets of the customer with it
    customers: dict  # customer id -> row


def fit(baskets, *, shrink: float = 5.0) -> CoPurchase:
    """Cosine similarity of the products' basket vectors (binary), shrunk towards zero for
    pairs seen in few baskets: sim = co / sqrt(n_i n_j) * co / (co + shrink)."""
    import numpy as np
    from scipy import sparse

    product_index: dict = {}
    order_index: dict = {}
    customer_index: dict = {}
    rows, cols, owners = [], [], {}
    for customer, order, product in baskets:
        p = product_index.setdefault(product, len(product_index))
        o = order_index.setdefault(order, len(order_index))
        c = customer_index.setdefault(customer, len(customer_index))
        owners[o] = c
        rows.append(o)
        cols.append(p)
    n_orders, n_products = len(order_index), len(product_index)
    basket = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(n_orders, n_products)
    )
    basket.data[:] = 1.0  # duplicates summed: back to presence
    basket.sum_duplicates()
    basket.data[:] = 1.0
    co = (basket.T @ basket).tocsr()
    counts = np.asarray(co.diagonal()).ravel()
    co.setdiag(0)
    co.eliminate_zeros()
    coo = co.tocoo()
    norm = np.sqrt(counts[coo.row] * counts[coo.col])
    values = coo.data / norm * (coo.data / (coo.data + shrink))
    similarity = sparse.csr_matrix((values, (coo.row, coo.col)), shape=co.shape)
    owner_rows = np.array([owners[o] for o in range(n_orders)], dtype=np.int64)
    assign = sparse.csr_matrix(
        (np.ones(n_orders), (owner_rows, np.arange(n_orders))),
        shape=(len(customer_index), n_orders),
    )
    customer_counts = (assign @ basket).tocsr()
    products = [None] * n_products
    for product, index in product_index.items():
        products[index] = product
    return CoPurchase(products, product_index, similarity, counts, customer_counts, customer_index)


def _top(scores, k: int, exclude=()) -> list[int]:
    import numpy as np

    scores = np.asarray(scores, dtype=float).copy()
    for index in exclude:
        scores[index] = -np.inf
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.lexsort((top, -scores[top]))]  # by score, ties by index: deterministic
    return [int(i) for i in top if scores[i] > -np.inf]


def bought_together(model: CoPurchase, product, *, k: int = 10) -> list[tuple[object, float]]:
    """The k products most similar to `product` (similarity > 0), best first."""
    index = model.index.get(product)
    if index is None:
        return []
    row = model.similarity.getrow(index)
    pairs = sorted(zip(row.indices, row.data, strict=True), key=lambda p: (-p[1], p[0]))[:k]
    return [(model.products[i], float(s)) for i, s in pairs if s > 0]


def popular(model: CoPurchase, *, k: int = 10, exclude=()) -> list:
    """The popularity baseline: the products in most baskets."""
    skip = [model.index[p] for p in exclude if p in model.index]
    return [model.products[i] for i in _top(model.popularity, k, skip)]


def score_items(model: CoPurchase, items: dict, *, exclude=()) -> object:
    """Score every product by its summed similarity to `items` {product index: weight}."""
    import numpy as np

    scores = np.zeros(len(model.products))
    for index, weight in items.items():
        row = model.similarity.getrow(index)
        scores[row.indices] += weight * row.data
    return scores


def for_customer(
    model: CoPurchase,
    customer,
    *,
    k: int = 10,
    repeat_weight: float = 1.0,
    similar_weight: float | None = None,
    new_only=False,
) -> list[tuple[object, float, str]]:
    """Blend the customer's own repeat purchases (share of their baskets with the product)
    with co-purchase similarity to what they bought. Answers (product, score, reason) where
    reason is "repeat" or "similar"; a customer never seen gets the popular products."""
    import numpy as np

    row_index = model.customers.get(customer)
    if row_index is None:
        return [(p, 0.0, "popular") for p in popular(model, k=k)]
    row = model.customer_counts.getrow(row_index)
    own = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
    baskets = max(own.values()) if own else 1.0
    similar = score_items(model, {i: 1.0 for i in own})
    if similar.max() > 0:
        similar = similar / similar.max()
    repeat = np.zeros(len(model.products))
    for index, count in own.items():
        repeat[index] = count / baskets
    weight = SIMILAR_WEIGHT if similar_weight is None else similar_weight
    prior = model.popularity / max(float(model.popularity.max()), 1.0)
    scores = repeat_weight * repeat + weight * similar + POPULAR_WEIGHT * prior
    exclude = list(own) if new_only else []
    top = _top(scores, k, exclude)
    return [
        (model.products[i], float(scores[i]), "repeat" if i in own else "similar")
        for i in top
        if scores[i] > 0
    ]


# -- evaluation -------------------------------------------------------------------------------


def evaluate_hide_one(baskets, *, k: int = 10, seed: int = 0) -> dict:
    """ "Bought together": for each customer's last basket with >= 2 items, hide one item at
    random, fit on everything else (earlier baskets + the rest of the last one), recommend k
    from the remaining items of that basket. hit@k of the model and of popularity."""
    import random

    rng = random.Random(seed)
    rows = list(baskets)
    last_order: dict = {}
    order_date: dict = {}
    for customer, order, _product, *rest in rows:
        key = (rest[0] if rest else 0, order)
        if customer not in last_order or key > order_date[customer]:
            last_order[customer], order_date[customer] = order, key
    last_items: dict = {}
    for customer, order, product, *_ in rows:
        if last_order[customer] == order:
            last_items.setdefault(order, []).append(product)
    hidden = {}
    for order, items in last_items.items():
        items = sorted(set(items), key=str)
        if len(items) >= 2:
            hidden[order] = rng.choice(items)
    train = [(c, o, p) for c, o, p, *_ in rows if not (o in hidden and hidden[o] == p)]
    model = fit(train)
    hits = base_hits = 0
    for order, target in hidden.items():
        rest = {model.index[p] for p in last_items[order] if p != target and p in model.index}
        scores = score_items(model, {i: 1.0 for i in rest})
        top = _top(scores, k, rest)
        top = [model.products[i] for i in top if scores[i] > 0]
        if len(top) < k:  # fill with popular items
            seen = set(top) | {model.products[i] for i in rest}
            top += [p for p in popular(model, k=k + len(seen)) if p not in seen][: k - len(top)]
        hits += target in top
        base = [p for p in popular(model, k=k + len(rest)) if model.index[p] not in rest][:k]
        base_hits += target in base
    n = len(hidden)
    return {
        "metric": f"hit@{k}",
        "cases": n,
        "score": hits / n if n else 0.0,
        "baseline": "popularity",
        "baseline_score": base_hits / n if n else 0.0,
    }


def evaluate_next_basket(baskets, *, k: int = 10) -> dict:
    """ "For this customer": fit on all but each customer's last basket, recommend k, score
    recall@k on the last basket. Baseline: the customer's own most frequent products (ties by
    popularity), filled with popular ones."""
    rows = list(baskets)
    last_order: dict = {}
    order_key: dict = {}
    for customer, order, _product, *rest in rows:
        key = (rest[0] if rest else 0, order)
        if customer not in last_order or key > order_key[customer]:
            last_order[customer], order_key[customer] = order, key
    held: dict = {}
    train = []
    for customer, order, product, *_ in rows:
        if last_order[customer] == order:
            held.setdefault(customer, set()).add(product)
        else:
            train.append((customer, order, product))
    model = fit(train)
    recall = base_recall = 0.0
    n = 0
    for customer, items in held.items():
        if customer not in model.customers:
            continue
        n += 1
        mine = [p for p, _s, _r in for_customer(model, customer, k=k)]
        recall += len(items & set(mine)) / min(len(items), k)
        row = model.customer_counts.getrow(model.customers[customer])
        own = sorted(
            zip(row.indices, row.data, strict=True),
            key=lambda p: (-p[1], -model.popularity[p[0]], p[0]),
        )
        base = [model.products[i] for i, _c in own[:k]]
        if len(base) < k:
            base += [p for p in popular(model, k=2 * k) if p not in base][: k - len(base)]
        base_recall += len(items & set(base)) / min(len(items), k)
    return {
        "metric": f"recall@{k}",
        "cases": n,
        "score": recall / n if n else 0.0,
        "baseline": "own_top_frequency",
        "baseline_score": base_recall / n if n else 0.0,
    }

"""Recommendations: item-item co-purchase similarity ("bought together"), blended with the
customer's own repeat purchases ("for this customer"); the popularity baseline.

Input rows are baskets: (customer, order, product). Products and customers may be any hashable
ids; the matrices are scipy sparse, one row per basket.
"""

from __future__ import annotations

from dataclasses import dataclass

# "For this customer" keeps the customer's own repeat list and lets co-purchase similarity
# re-rank it (weight `similar_weight`) and fill the slots it leaves empty (with a popularity
# prior). The weight and the recency decay of the repeat counts are chosen per training on an
# inner validation split (each customer's last basket of the training part: choose_blend),
# never on the scored basket. These are the defaults when nothing was chosen.
SIMILAR_WEIGHT = 0.05
DECAY = 1.0
BLEND_GRID = {"similar_weight": (0.0, 0.05, 0.2, 0.5), "decay": (1.0, 0.9, 0.75, 0.5)}


@dataclass
class CoPurchase:
    products: list  # index -> product id
    index: dict  # product id -> index
    similarity: object  # csr (n_products x n_products), zero diagonal
    popularity: object  # numpy array: number of baskets with the product
    customer_counts: object  # csr (n_customers x n_products): baskets of the customer with it
    customers: dict  # customer id -> row
    basket: object = None  # csr (n_orders x n_products), presence
    order_owner: object = None  # numpy: order row -> customer row
    order_age: object = None  # numpy: later baskets of the same customer (0: their latest)


def fit(baskets, *, shrink: float = 5.0) -> CoPurchase:
    """Cosine similarity of the products' basket vectors (binary), shrunk towards zero for
    pairs seen in few baskets: sim = co / sqrt(n_i n_j) * co / (co + shrink).

    Rows are (customer, order, product) or (customer, order, product, when): `when` orders a
    customer's baskets for the recency decay (else the order of appearance)."""
    import numpy as np
    from scipy import sparse

    product_index: dict = {}
    order_index: dict = {}
    customer_index: dict = {}
    rows, cols, owners, when = [], [], {}, {}
    for customer, order, product, *rest in baskets:
        p = product_index.setdefault(product, len(product_index))
        o = order_index.setdefault(order, len(order_index))
        c = customer_index.setdefault(customer, len(customer_index))
        owners[o] = c
        when.setdefault(o, (rest[0] if rest else 0, o))
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
    age = np.zeros(n_orders, dtype=np.int64)
    by_customer: dict = {}
    for o in sorted(range(n_orders), key=lambda o: when[o], reverse=True):
        c = owners[o]
        age[o] = by_customer.get(c, 0)
        by_customer[c] = age[o] + 1
    return CoPurchase(
        products,
        product_index,
        similarity,
        counts,
        customer_counts,
        customer_index,
        basket,
        owner_rows,
        age,
    )


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


def repeat_counts(model: CoPurchase, decay: float = 1.0):
    """Per customer and product: the baskets with it, each weighted decay^age (age 0 for the
    customer's latest basket); decay 1 counts them all alike."""
    import numpy as np
    from scipy import sparse

    if decay >= 1.0 or model.basket is None:
        return model.customer_counts
    n_orders = model.basket.shape[0]
    weights = np.power(float(decay), model.order_age.astype(float))
    assign = sparse.csr_matrix(
        (weights, (model.order_owner, np.arange(n_orders))),
        shape=(len(model.customers), n_orders),
    )
    return (assign @ model.basket).tocsr()


def similar_to_own(model: CoPurchase):
    """Per customer: summed similarity of every product to the products they bought (csr)."""
    own = model.customer_counts.copy()
    own.data[:] = 1.0
    return (own @ model.similarity).tocsr()


def _blend(model, own: dict, similar_row, k: int, similar_weight: float, prior):
    """Own products first, ranked by repeat share + similar_weight x normalised similarity
    (ties: popularity); the slots left are filled by similarity + the popularity prior."""
    import numpy as np

    similar = np.zeros(len(model.products))
    similar[similar_row.indices] = similar_row.data
    top_similar = float(similar.max()) if similar.size else 0.0
    if top_similar > 0:
        similar = similar / top_similar
    most = max(own.values()) if own else 1.0
    ranked = sorted(
        own,
        key=lambda i: (-(own[i] / most + similar_weight * similar[i]), -model.popularity[i], i),
    )[:k]
    items = [(i, own[i] / most + similar_weight * similar[i], "repeat") for i in ranked]
    if len(items) < k:
        scores = similar + prior
        for i in _top(scores, k - len(items), list(own)):
            if scores[i] > 0:
                items.append((i, float(scores[i]), "similar" if similar[i] > 0 else "popular"))
    return [(model.products[i], float(score), reason) for i, score, reason in items]


def for_customer(
    model: CoPurchase,
    customer,
    *,
    k: int = 10,
    similar_weight: float | None = None,
    decay: float | None = None,
    counts=None,
    similar=None,
) -> list[tuple[object, float, str]]:
    """The customer's own repeat list (recency-decayed basket counts), re-ranked by
    co-purchase similarity to what they bought and filled, when shorter than k, with similar
    then popular products. Answers (product, score, reason), reason "repeat", "similar" or
    "popular"; a customer never seen gets the popular products. `counts`/`similar` take the
    precomputed matrices of repeat_counts/similar_to_own (many customers at once)."""
    row_index = model.customers.get(customer)
    if row_index is None:
        return [(p, 0.0, "popular") for p in popular(model, k=k)]
    counts = counts if counts is not None else repeat_counts(model, decay or DECAY)
    similar = similar if similar is not None else similar_to_own(model)
    row = counts.getrow(row_index)
    own = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
    prior = model.popularity / max(float(model.popularity.max()), 1.0)
    weight = SIMILAR_WEIGHT if similar_weight is None else similar_weight
    return _blend(model, own, similar.getrow(row_index), k, weight, prior)


def _last_baskets(rows):
    """Split rows into each customer's last basket (by `when`, then order) and the rest."""
    last_order: dict = {}
    order_key: dict = {}
    for customer, order, _product, *rest in rows:
        key = (rest[0] if rest else 0, order)
        if customer not in last_order or key > order_key[customer]:
            last_order[customer], order_key[customer] = order, key
    held: dict = {}
    train = []
    for row in rows:
        customer, order, product = row[0], row[1], row[2]
        if last_order[customer] == order:
            held.setdefault(customer, set()).add(product)
        else:
            train.append(row)
    return train, held


def _recall_for_customers(model, held: dict, k: int, similar_weight: float, counts, similar):
    recall, n = 0.0, 0
    for customer, items in held.items():
        if customer not in model.customers:
            continue
        n += 1
        mine = [
            p
            for p, _s, _r in for_customer(
                model,
                customer,
                k=k,
                similar_weight=similar_weight,
                counts=counts,
                similar=similar,
            )
        ]
        recall += len(items & set(mine)) / min(len(items), k)
    return recall / n if n else 0.0, n


def choose_blend(rows, *, k: int = 10, grid: dict | None = None) -> dict:
    """Choose the similarity weight and the recency decay on an inner validation split: each
    customer's last basket of `rows` is held out, the rest fitted, and the pair with the best
    recall@k wins (ties: the smaller weight, the weaker decay). Answers the chosen values and
    the validation recall; the defaults when no customer has two baskets."""
    grid = grid or BLEND_GRID
    train, held = _last_baskets(list(rows))
    chosen = {"similar_weight": SIMILAR_WEIGHT, "decay": DECAY, "validation_recall": None}
    if not train or not held:
        return chosen
    model = fit(train)
    similar = similar_to_own(model)
    best = None
    for decay in sorted(grid["decay"], reverse=True):
        counts = repeat_counts(model, decay)
        for weight in sorted(grid["similar_weight"]):
            score, n = _recall_for_customers(model, held, k, weight, counts, similar)
            if n and (best is None or score > best[0] + 1e-12):
                best = (score, weight, decay, n)
    if best is not None:
        chosen = {
            "similar_weight": best[1],
            "decay": best[2],
            "validation_recall": best[0],
            "validation_cases": best[3],
        }
    return chosen


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
    recall@k on the last basket. The blend's weight and decay are chosen by choose_blend on
    the training part only (its own last baskets). Baseline: the customer's own most frequent
    products (ties by popularity), filled with popular ones."""
    train, held = _last_baskets(list(baskets))
    params = choose_blend(train, k=k)
    model = fit(train)
    counts = repeat_counts(model, params["decay"])
    similar = similar_to_own(model)
    score, n = _recall_for_customers(model, held, k, params["similar_weight"], counts, similar)
    base_recall = 0.0
    for customer, items in held.items():
        if customer not in model.customers:
            continue
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
        "score": score,
        "baseline": "own_top_frequency",
        "baseline_score": base_recall / n if n else 0.0,
        "params": params,
    }

"""Points near their cell centre, many at once: each moves to a neighbouring centre far enough away, as it does alone."""
import numpy as np

from gate.location import Grid, haversine_m


def _near_centres(g: Grid, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points within the guard of their cell centre, all over the globe and in the polar rows."""
    rng = np.random.default_rng(seed)
    lat = np.concatenate([rng.uniform(-89.5, 89.5, n), rng.uniform(89.9, 90, n // 10), rng.uniform(-90, -89.9, n // 10)])
    lon = rng.uniform(-180, 180, len(lat))
    _, _, clat, clon = g._cell(g.row_index(lat), lon)
    deg = g.guard_m * 0.7 / 111_320  # metres to degrees of latitude, well inside the guard
    lat = np.clip(clat + rng.uniform(-deg, deg, len(lat)), -90, 90)
    lon = clon + rng.uniform(-deg, deg, len(lat)) / np.maximum(np.cos(np.radians(clat)), 0.05)
    return lat, ((lon + 180) % 360) - 180


def test_many_points_near_centres_move_as_each_alone():
    for cell, guard in ((200, 10), (50, 12.5), (5_000, 1_000)):
        g = Grid(cell, guard)
        lat, lon = _near_centres(g, 2_000, seed=cell)
        out_lat, out_lon = g.snap(lat, lon)
        assert np.isfinite(out_lat).all() and np.isfinite(out_lon).all()
        assert (haversine_m(lat, lon, out_lat, out_lon) >= guard).all()
        # a neighbouring centre: at most one row away, and a centre of its row
        rows = g.row_index(out_lat)
        assert (np.abs(rows - g.row_index(lat)) <= 1).all()
        _, _, c_lat, c_lon = g._cell(rows, out_lon)
        assert np.allclose(c_lat, out_lat) and np.allclose(c_lon, out_lon)
        alone = np.array([g.snap(lat[k:k + 1], lon[k:k + 1]) for k in range(0, len(lat), 7)])[:, :, 0]
        assert np.array_equal(alone[:, 0], out_lat[::7]) and np.array_equal(alone[:, 1], out_lon[::7])

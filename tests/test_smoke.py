from catalog.services import catalog_derive_tree
from tests.factories import CityEntryFactory


def test_derive_tree_copies_city_entries(city):
    CityEntryFactory.create_batch(3, division=city)
    results = catalog_derive_tree(root=city, user=None)
    assert sum(r.created for r in results) == 3 * 179

"""Small, complete families that show how to add one (docs/new-family.md); each is registered and tested."""

"""BoneLearn's domain apps: core (shared web plumbing), content, review, training, insights.

Imports run one way, checked by import-linter (pyproject.toml): core ← content ← review ←
training ← insights.
"""

"""Insights store nothing of their own (their figures are read from the other apps and kept a few
minutes in the cache); this model only carries the permission to read the cohort's figures."""

from __future__ import annotations

from django.db import models


class CohortStatistics(models.Model):
    class Meta:
        managed = False  # no table: a holder for a permission that belongs to no stored row
        default_permissions = ()
        # Held by the Instructors group (quizzes/core/roles.py).
        permissions = [("view_cohort_statistics", "Can view the cohort's learning statistics")]
        verbose_name_plural = "cohort statistics"

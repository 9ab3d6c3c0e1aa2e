"""The instructor admin for content; each module registers one group of pages."""

from django.contrib import admin

from quizzes.content.admin import articles, cards, reports, topics  # noqa: F401  (registrations)

admin.site.site_header = "BoneLearn administration"
admin.site.site_title = "BoneLearn admin"
admin.site.index_title = "Content, training and learners"

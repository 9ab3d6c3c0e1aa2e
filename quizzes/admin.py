from django.contrib import admin

from .models import Article, Card, Choice, Lesson, Topic


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "source_name", "imported_at"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "article", "kind", "number", "position"]


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["title", "topic", "position"]


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["front", "kind", "status", "topic", "critical"]
    list_filter = ["status", "kind", "critical", "topic"]
    inlines = [ChoiceInline]

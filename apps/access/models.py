"""Who may see and change which sites (docs/access.md).

A ``SiteGrant`` gives one user one role on one site, on every site of a geography, or on all sites. A user's
role at a site is the best role any of their grants gives there, never above the role of their groups (the
groups stay the ceiling, and what the admin's model permissions follow)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.access.roles import Role


class Geography(models.Model):
    """A named grouping of sites (a country, a region: "Faroe", "Scotland") that one grant can name."""

    name = models.CharField(max_length=100, unique=True)
    sites = models.ManyToManyField("infrastructure.Site", related_name="geographies", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "geographies"

    def __str__(self) -> str:
        return self.name


class SiteGrant(models.Model):
    class RoleName(models.TextChoices):
        VIEWER = Role.VIEWER.group, "Viewer"
        OPERATOR = Role.OPERATOR.group, "Operator"
        MANAGER = Role.MANAGER.group, "Manager"
        ADMIN = Role.ADMIN.group, "Admin"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="site_grants")
    role = models.CharField(max_length=20, choices=RoleName.choices, default=RoleName.VIEWER)
    site = models.ForeignKey(
        "infrastructure.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="grants"
    )
    geography = models.ForeignKey(Geography, on_delete=models.CASCADE, null=True, blank=True, related_name="grants")
    all_sites = models.BooleanField(default=False, help_text="Every site, present and future.")

    class Meta:
        ordering = ["user_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(site__isnull=False, geography__isnull=True, all_sites=False)
                    | models.Q(site__isnull=True, geography__isnull=False, all_sites=False)
                    | models.Q(site__isnull=True, geography__isnull=True, all_sites=True)
                ),
                name="site_grant_names_exactly_one_scope",
            ),
            models.UniqueConstraint(fields=["user", "site"], name="site_grant_unique_site"),
            models.UniqueConstraint(fields=["user", "geography"], name="site_grant_unique_geography"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(all_sites=True), name="site_grant_unique_all_sites"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} — {self.scope_label}"

    @property
    def scope_label(self) -> str:
        if self.all_sites:
            return "all sites"
        return f"geography {self.geography}" if self.geography_id else f"site {self.site}"

"""Streams (issue 25): what signed-in clients do with the practice's stream posts
and articles (Wagtail pages in cms, referred to here by page id only): likes,
saves and comments, with denormalised counts for listings."""

"""Head-side line numbers from unified diffs (git -U0 and GitHub's patches with context)."""

from bot.core.diffhunks import hunk_lines


def test_github_patch_with_context_points_at_the_changed_line() -> None:
    patch = "@@ -1,5 +1,5 @@\n -- +goose Up\n-CREATE TABLE users (id int);\n+CREATE TABLE users (id bigint);\n \n -- +goose Down\n DROP TABLE users;"
    lines = hunk_lines(patch)
    assert lines.first_changed == 2
    assert lines.added == {2}
    assert lines.context == {1, 3, 4, 5}


def test_pure_deletion_points_at_the_following_line() -> None:
    assert hunk_lines("@@ -5,2 +4,0 @@\n-a\n-b").first_changed == 5
    assert hunk_lines("@@ -3,2 +3,0 @@\n-a\n-b").first_changed == 4


def test_several_hunks_and_no_newline_marker() -> None:
    patch = "@@ -1 +1 @@\n-a\n+b\n\\ No newline at end of file\n@@ -10,0 +11,2 @@\n+x\n+y"
    lines = hunk_lines(patch)
    assert (lines.first_changed, lines.added) == (1, {1, 11, 12})


def test_empty_patch() -> None:
    assert hunk_lines("") == hunk_lines("not a diff")
    assert hunk_lines("").first_changed is None

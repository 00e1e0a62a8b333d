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


def test_the_product_and_the_github_double_agree_on_commentable_lines() -> None:
    """The double has its own diff reader; both must name the same head-side lines (added and
    context), or a review comment the product places would be refused by GitHub."""
    from tests.github_double import commentable_lines

    patch = (
        "@@ -1,4 +1,5 @@\n line one\n-line two\n+line 2\n+line 2b\n line three\n line four\n"
        "@@ -20,3 +21,2 @@\n context\n-gone\n context again\n\\ No newline at end of file"
    )
    product = hunk_lines(patch)
    assert product.added | product.context == commentable_lines(patch) == {1, 2, 3, 4, 5, 21, 22}

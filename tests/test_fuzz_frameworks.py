"""Fuzzing every front end with mutated real migrations: no crash, no exception escaping.

Hypothesis mutates a real migration of each framework (characters inserted, slices deleted or
repeated, brackets and quotes thrown in) and feeds it to the adapter's ``parse`` and
``operations`` in this process, where any exception would escape: they must return a migration,
a reported failure, ``None`` or operations, never raise. (The service also runs them in a child
process under a time budget, ``bot.pipeline.isolation``; this test finds the bugs that budget would hide.)
The number of examples is bounded; no assertion is made on time (a loaded CI machine must not
fail it) — ``benchmarks/bench_fuzz.py`` reports the worst time per input.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.model import Migration, ParseFailure
from bot.core.operations import MigrationOps
from bot.frameworks import BY_NAME, Candidate

SEEDS: dict[str, tuple[str, str]] = {
    "goose": (
        "db/migrations/00002_orders.sql",
        "-- +goose Up\nCREATE TABLE orders (id bigint PRIMARY KEY, total numeric(10,2) DEFAULT random());\n"
        "CREATE INDEX orders_total ON orders (total);\nALTER TABLE users ADD CONSTRAINT c CHECK (id > 0);\n"
        "-- +goose Down\nDROP TABLE orders;\n",
    ),
    "alembic": (
        "migrations/versions/2b_orders.py",
        'revision = "2b"\ndown_revision = "1a"\nfrom alembic import op\nimport sqlalchemy as sa\nSQL = "UPDATE t SET a = 1"\n\n'
        "def upgrade():\n    op.add_column('t', sa.Column('c', sa.String(), nullable=False))\n"
        "    with op.get_context().autocommit_block():\n        op.create_index('i', 't', ['c'], postgresql_concurrently=True)\n"
        "    op.execute(SQL + ' WHERE b')\n\n\ndef downgrade():\n    op.drop_column('t', 'c')\n",
    ),
    "django": (
        "shop/migrations/0002_order_note.py",
        "from django.db import migrations, models\nA = [migrations.RunSQL('CREATE INDEX i ON t (c)', migrations.RunSQL.noop)]\n\n"
        "class Migration(migrations.Migration):\n    dependencies = [('shop', '0001_initial')]\n"
        "    operations = [*A, migrations.AddField(model_name='order', name='note', field=models.TextField(default='')),\n"
        "        migrations.RunPython(lambda a, s: None)]\n",
    ),
    "rails": (
        "db/migrate/20240102000000_add_status.rb",
        "class AddStatus < ActiveRecord::Migration[7.1]\n  SQL = <<~SQL.squish\n    UPDATE orders SET s = 1\n  SQL\n"
        "  def change\n    add_column :orders, :status, :string, null: false\n    add_index :orders, :status\n"
        "    execute SQL if connection.adapter_name == 'PostgreSQL'\n    remove_column :orders, :old, :string\n  end\nend\n",
    ),
    "knex": (
        "migrations/20240102000000_add.js",
        "const SQL = 'CREATE INDEX i ON t (c)';\nexports.up = async (knex) => {\n  await knex.schema.alterTable('t', (t) => {\n"
        "    t.string('c').notNullable();\n    t.index(['c']);\n  });\n  await knex.raw(SQL + ' ');\n};\n"
        "exports.down = async (knex) => knex.schema.dropTable('t');\n",
    ),
    "sequelize": (
        "migrations/20240102000000-add.js",
        "module.exports = {\n  up: async (queryInterface, Sequelize) => {\n    await queryInterface.addColumn('t', 'c', "
        "{ type: Sequelize.STRING, allowNull: false });\n    await queryInterface.addIndex('t', ['c']);\n  },\n"
        "  down: async (queryInterface) => queryInterface.removeColumn('t', 'c'),\n};\n",
    ),
    "typeorm": (
        "src/migrations/1700000000000-Add.ts",
        "import { MigrationInterface, QueryRunner } from 'typeorm';\nexport class Add1700000000000 implements MigrationInterface {\n"
        '  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(`ALTER TABLE "t" ADD "c" text NOT NULL`);\n  }\n'
        "  public async down(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(`ALTER TABLE t DROP c`);\n  }\n}\n",
    ),
    "laravel": (
        "database/migrations/2024_01_02_000000_add.php",
        "<?php\nreturn new class extends Migration {\n  const SQL = 'CREATE INDEX i ON t (c)';\n  public function up(): void {\n"
        "    Schema::table('t', function (Blueprint $table) { $table->string('c'); $table->index('c'); });\n"
        "    DB::statement(self::SQL);\n  }\n  public function down(): void { Schema::dropIfExists('t'); }\n};\n",
    ),
}

_NOISE = st.sampled_from(["(", ")", "[", "]", "{", "}", "'", '"', "`", ";", "\n", "\\", "$", "#", "--", "/*", "*/",
                          "\x00", "\ufeff", "é", "JOIN x ", "SELECT ", "<<~SQL\n", "end\n", "def ", " if ", ":"])  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, seed: str) -> str:
    text = seed
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "repeat", "noise"]))
        if action == "insert":
            text = text[:at] + draw(st.text(max_size=12)) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif action == "repeat":
            piece = text[at : at + draw(st.integers(1, 30))]
            text = text[:at] + piece * draw(st.integers(1, 8)) + text[at:]
        else:
            text = text[:at] + draw(_NOISE) + text[at:]
    return text


@pytest.mark.parametrize("framework", sorted(SEEDS))
def test_mutated_migrations_never_escape_an_exception(framework: str) -> None:
    path, seed = SEEDS[framework]
    adapter = BY_NAME[framework]
    namespace = path.rpartition("/")[0]

    @settings(max_examples=40, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(mutated(seed))
    def check(text: str) -> None:
        for strict in (True, False):
            result = adapter.parse(Candidate(framework, path, namespace, strict), "0" * 40, text)
            assert result is None or isinstance(result, Migration | ParseFailure)
        ops = adapter.operations(path, text, "postgres")
        assert isinstance(ops, MigrationOps)

    check()

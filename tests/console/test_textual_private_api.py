"""The few private Textual names the console relies on, checked so an upgrade fails here.

pyproject pins Textual to one minor version; before widening the pin, run this file. Each test
names the console code that depends on the private name.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.reactive import Reactive
from textual.scroll_view import ScrollView
from textual.widgets import Footer, Select
from textual.widgets._footer import FooterKey
from textual.widgets._option_list import OptionList
from textual.widgets._select import SelectCurrent, SelectOverlay

from console.widgets.safe_select import SafeSelect, SafeSelectOverlay


def test_textual_is_the_pinned_minor_version() -> None:
    assert version("textual").startswith("8.2."), version("textual")


def test_node_bindings_iterate_as_key_binding_pairs() -> None:
    # console/screens/help.py `_node_bindings` reads `node._bindings`.
    class Probe(App[None]):
        BINDINGS = [Binding("z", "bell", "Ring")]

    pairs = list(Probe()._bindings)
    assert ("z", Binding("z", "bell", "Ring")) in [(key, b) for key, b in pairs]


def test_scroll_view_size_updated_has_the_signature_the_client_table_overrides() -> None:
    # console/widgets/client_table.py and virtual_table.py override `_size_updated`.
    parameters = list(inspect.signature(ScrollView._size_updated).parameters)
    assert parameters == ["self", "size", "virtual_size", "container_size", "layout"]


def test_footer_has_a_bindings_ready_reactive() -> None:
    # console/widgets/key_footer.py reads `Footer._bindings_ready` in `compose`.
    assert isinstance(Footer.__dict__["_bindings_ready"], Reactive)


def test_select_compose_is_still_the_one_safe_select_mirrors() -> None:
    # console/widgets/safe_select.py re-implements `Select.compose` with its own overlay.
    source = inspect.getsource(Select.compose)
    assert "SelectCurrent(self.prompt)" in source
    assert "SelectOverlay(type_to_search=self._type_to_search)" in source
    assert issubclass(SafeSelectOverlay, SelectOverlay) and issubclass(SafeSelect, Select)
    assert SelectCurrent.__module__ == "textual.widgets._select"


def test_option_list_pages_through_move_page_which_needs_a_layout() -> None:
    # The bug SafeSelectOverlay guards: if Textual pages without `_move_page` or guards the
    # empty line map itself, the guard can go.
    assert "_move_page" in inspect.getsource(OptionList.action_page_down)
    assert "self._index_to_line[self.highlighted or 0]" in inspect.getsource(OptionList._move_page)


def test_command_palette_pages_its_command_list_as_safe_command_palette_expects() -> None:
    # console/commands.py SafeCommandPalette replaces these two bindings and
    # PartnerOpsApp.action_command_palette mirrors App.action_command_palette.
    from textual.command import CommandList, CommandPalette

    keys = {b.key: b.action for b in CommandPalette.BINDINGS if isinstance(b, Binding)}
    assert keys["pagedown"] == "command_list('page_down')"
    assert keys["pageup"] == "command_list('page_up')"
    assert issubclass(CommandList, OptionList)
    source = inspect.getsource(App.action_command_palette)
    assert 'CommandPalette(id="--command-palette")' in source


def test_the_apps_own_palettes_are_built_as_partnerops_app_rebuilds_them() -> None:
    # PartnerOpsApp.search_themes and search_commands mirror Textual's with SafeCommandPalette.
    themes = inspect.getsource(App.search_themes)
    assert "CommandPalette(" in themes and "providers=[ThemeProvider]" in themes
    commands = inspect.getsource(App.search_commands)
    assert "providers=[SimpleProvider(self.screen, commands)]" in commands


def test_footer_key_is_where_key_footer_presets_compact() -> None:
    # console/widgets/key_footer.py imports FooterKey from the private `_footer` module and
    # sets its `compact` reactive and "-compact" class before it mounts, as its watcher would.
    assert isinstance(FooterKey.__dict__["compact"], Reactive)
    assert 'set_class(compact, "-compact")' in inspect.getsource(FooterKey._watch_compact)
    assert "data_bind(compact=Footer.compact)" in inspect.getsource(Footer.compose)
    assert "self._reactive_connect[name] = " in inspect.getsource(DOMNode.data_bind)


def test_modes_are_built_by_init_mode_into_screen_stacks_with_a_css_count() -> None:
    # console/app.py `_build_next_screen_ahead` builds a mode as `switch_mode` would, then marks
    # it styled; if `switch_mode` stops building through `_init_mode` or stops comparing the
    # counts, building ahead must be redone.
    source = inspect.getsource(App.switch_mode)
    assert "self._init_mode(mode)" in source
    assert "if mode not in self._screen_stacks" in source
    assert "self.screen._css_update_count != self._css_update_count" in source
    assert "screen._css_update_count != self._css_update_count" in inspect.getsource(App._init_mode)


def test_a_screen_lays_out_and_draws_itself_as_building_ahead_calls_it() -> None:
    # console/app.py `_build_next_screen_ahead` lays out and draws a hidden screen once.
    from textual._compositor import Compositor
    from textual.screen import Screen

    assert list(inspect.signature(Screen._refresh_layout).parameters) == ["self", "size", "scroll"]
    assert "full" in inspect.signature(Compositor.render_update).parameters
    assert "self._compositor.render_update(" in inspect.getsource(Screen._compositor_refresh)

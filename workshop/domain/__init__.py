"""The domain: every operation on sessions, tables, participants and insights, and the reads.

Views, socket handlers and the CLI call these. Each operation validates, writes, commits and then
reports what it changed (`changes`); it never talks to Socket.IO itself.
"""

from .events import assign_event, create_event, delete_session, get_event
from .fields import ROW_ID_LIMIT, bool_field, id_field, is_number, is_row_id, tag_field, text_field
from .hosts import host_scope, host_token, table_for_host
from .insights import get_insight, post_insight, vote
from .keys import (
    check_facilitator,
    console_token,
    is_console_token,
    is_organiser,
    is_organiser_sign_in,
    organiser_sign_in,
)
from .library import feed_items as library_feed
from .library import parse as library_query
from .library import search as search_library
from .moderation import merge_insights, moderate, reveal_withheld, set_spotlight
from .overview import event_overview
from .own_posts import edit_own_insight, editable_by_author, withdraw_all, withdraw_insight
from .participants import is_participant_token, join, participant_for, update_participant
from .photos import host_seat, insight_with_photo, photo_visible
from .publication import publish, published, published_sessions, unpublish
from .queries import (
    all_events,
    all_insights,
    all_sessions,
    any_session,
    counts,
    insights_since,
    phone_insights,
    spotlight_insight,
    table_insights,
    visible_insights,
    voted_ids,
)
from .rounds import MAX_ROUND_MINUTES, start_round, update_round
from .sessions import (
    TRANSITIONS,
    change_state,
    create_session,
    get_session,
    next_seq,
    rename_session,
    require_open,
    rotate_facilitator_key,
    session_not_open_message,
    set_tag_set,
    unused_join_code,
)
from .settings import update_settings
from .stories import (
    MAX_STORY_LENGTH,
    attribution,
    coverage,
    get_story,
    quotable_insights,
    saved_story,
    write_story,
)
from .tables import MAX_TABLES, add_table, delete_table, get_table, update_table, write_summary
from .themes import (
    MAX_THEME_NAME,
    MAX_THEMES,
    create_theme,
    delete_theme,
    get_theme,
    suggest_themes,
    suggestion_candidates,
    themes_of,
    update_theme,
    vote_theme,
    voted_theme_ids,
)

__all__ = [
    "MAX_ROUND_MINUTES",
    "MAX_STORY_LENGTH",
    "MAX_TABLES",
    "MAX_THEMES",
    "MAX_THEME_NAME",
    "create_theme",
    "delete_theme",
    "get_theme",
    "suggest_themes",
    "suggestion_candidates",
    "themes_of",
    "update_theme",
    "vote_theme",
    "voted_theme_ids",
    "ROW_ID_LIMIT",
    "TRANSITIONS",
    "add_table",
    "all_events",
    "all_insights",
    "all_sessions",
    "any_session",
    "assign_event",
    "attribution",
    "bool_field",
    "change_state",
    "check_facilitator",
    "console_token",
    "counts",
    "coverage",
    "create_event",
    "create_session",
    "delete_session",
    "event_overview",
    "delete_table",
    "edit_own_insight",
    "editable_by_author",
    "get_event",
    "get_insight",
    "get_session",
    "get_story",
    "get_table",
    "host_scope",
    "host_seat",
    "host_token",
    "id_field",
    "insight_with_photo",
    "insights_since",
    "is_console_token",
    "is_number",
    "is_organiser",
    "is_organiser_sign_in",
    "is_participant_token",
    "is_row_id",
    "join",
    "merge_insights",
    "moderate",
    "next_seq",
    "organiser_sign_in",
    "participant_for",
    "phone_insights",
    "photo_visible",
    "post_insight",
    "publish",
    "published",
    "published_sessions",
    "quotable_insights",
    "rename_session",
    "require_open",
    "reveal_withheld",
    "rotate_facilitator_key",
    "saved_story",
    "session_not_open_message",
    "set_spotlight",
    "set_tag_set",
    "spotlight_insight",
    "start_round",
    "table_for_host",
    "table_insights",
    "tag_field",
    "text_field",
    "unpublish",
    "unused_join_code",
    "update_participant",
    "update_round",
    "update_settings",
    "update_table",
    "visible_insights",
    "vote",
    "voted_ids",
    "withdraw_all",
    "withdraw_insight",
    "write_story",
    "library_feed",
    "library_query",
    "search_library",
    "write_summary",
]

# gdb pretty-printers for the harness's types (docs/DEBUGGING.md): instants as ISO-8601 UTC, durations as
# 1h2m3.5s, UUIDs hyphenated, statuses and phases by name, the roulette's spin state, payouts, pool members, gift
# requests, HTTP messages and trace records as one readable line each. Plus `mgm-up`, which moves from
# mgm_break_here (mgm-sim run --break-at-event/--break-on/--break-on-invariant) to the code that wrote the record.
#
# Loaded automatically for a binary of the build tree (the build writes <binary>-gdb.py next to it; gdb runs it
# once the directory is trusted: `add-auto-load-safe-path /path/to/build` in ~/.gdbinit), or by hand:
#   (gdb) source tools/gdb/mgm_printers.py
# The binaries link libstdc++ statically, so gdb does not find libstdc++'s own printers (std::string,
# std::optional, std::vector) by itself: they are registered here too when gdb ships them.
import datetime
import re

import gdb
import gdb.printing
import gdb.types

TICKS_PER_SECOND = 10_000_000
_EPOCH = datetime.datetime(1970, 1, 1)


def format_instant(ticks):
    """Ticks of 100 ns since 1970-01-01T00:00:00Z as the harness writes them (sim::format_iso8601)."""
    seconds, fraction = divmod(int(ticks), TICKS_PER_SECOND)
    try:
        text = (_EPOCH + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
    except OverflowError:
        return "(instant out of range: %d ticks)" % ticks
    if text[0] != "0" and len(text.split("-")[0]) < 4:
        text = text.zfill(19)
    if fraction:
        text += ("." + "%07d" % fraction).rstrip("0")
    return text + "Z"


def format_duration(ticks):
    """100 ns ticks as 1h2m3.5s; -30s; 0s; a fraction of a second keeps up to 7 digits."""
    ticks = int(ticks)
    sign = "-" if ticks < 0 else ""
    seconds, fraction = divmod(abs(ticks), TICKS_PER_SECOND)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    text = ""
    if days:
        text += "%dd" % days
    if hours:
        text += "%dh" % hours
    if minutes:
        text += "%dm" % minutes
    if seconds or fraction or not text:
        text += "%d" % seconds
        if fraction:
            text += ("." + "%07d" % fraction).rstrip("0")
        text += "s"
    return sign + text


def enum_name(value):
    """mgm::backend::PayoutStatus::Sent -> Sent (an unnamed value stays as gdb prints it)."""
    return value.format_string(raw=True).rsplit("::", 1)[-1]


def cxx_string(value):
    """The text of a std::string (libstdc++), without needing libstdc++'s printers."""
    try:
        return value["_M_dataplus"]["_M_p"].string(length=int(value["_M_string_length"]))
    except gdb.error:
        return str(value)


def string_size(value):
    """The length in bytes of a std::string (libstdc++)."""
    try:
        return int(value["_M_string_length"])
    except gdb.error:
        return -1


def optional_value(value):
    """The value of a std::optional (libstdc++), or None when empty."""
    try:
        payload = value["_M_payload"]
        if not bool(payload["_M_engaged"]):
            return None
        return payload["_M_payload"]["_M_value"]
    except gdb.error:
        return value


def uuid_text(value):
    data = value["bytes"]["_M_elems"]
    hex32 = "".join("%02x" % (int(data[i]) & 0xFF) for i in range(16))
    return "%s-%s-%s-%s-%s" % (hex32[0:8], hex32[8:12], hex32[12:16], hex32[16:20], hex32[20:32])


def text_of(value):
    """A field shown inside a one-line summary: our own types by their printers, strings bare."""
    if value is None:
        return "null"
    name = gdb.types.get_basic_type(value.type).tag or ""
    if name == "mgm::sim::Instant":
        return format_instant(value["ticks"])
    if name == "mgm::sim::Uuid":
        return uuid_text(value)
    if name.startswith("std::__cxx11::basic_string") or name.startswith("std::basic_string"):
        return cxx_string(value)
    if name.startswith("std::optional"):
        return text_of(optional_value(value))
    return str(value)


def string_view_text(value):
    try:
        return value["_M_str"].string(length=int(value["_M_len"]))
    except gdb.error:
        return str(value)


class InstantPrinter:
    def __init__(self, value):
        self.value = value

    def to_string(self):
        return format_instant(self.value["ticks"])


class DurationPrinter:
    def __init__(self, value):
        self.value = value

    def to_string(self):
        return format_duration(self.value["__r"])


class UuidPrinter:
    def __init__(self, value):
        self.value = value

    def to_string(self):
        return uuid_text(self.value)


class EnumPrinter:
    def __init__(self, value):
        self.value = value

    def to_string(self):
        return enum_name(self.value)


class StructPrinter:
    """A one-line summary, then the fields (each printed by its own printer)."""

    def __init__(self, value):
        self.value = value

    def children(self):
        for field in self.value.type.strip_typedefs().fields():
            if field.is_base_class or field.artificial or not field.name:
                continue
            child = self.value[field.name]
            tag = gdb.types.get_basic_type(child.type).tag or ""
            if tag.startswith("std::optional"):
                inner = optional_value(child)
                yield field.name, inner if inner is not None else "nullopt"
            else:
                yield field.name, child

    def field(self, name):
        return text_of(self.value[name])


class SpinStatePrinter(StructPrinter):
    def to_string(self):
        v = self.value
        candidate = optional_value(v["candidate_character_name"])
        text = "cycle %s (id %s)" % (self.field("cycle_start"), self.field("spin_cycle_id"))
        if candidate is None:
            text += ", no candidate"
        else:
            text += ", candidate %s (%s) drawn at %s" % (
                text_of(candidate), self.field("candidate_twitch_user_id"), self.field("candidate_selected_at"))
        text += ", verification deadline %s" % self.field("verification_deadline")
        if bool(v["payout_created_for_cycle"]):
            text += ", payout created"
        if bool(v["pool_was_empty_at_cycle_start"]):
            text += ", pool was empty at start"
        return text


class PayoutPrinter(StructPrinter):
    def to_string(self):
        v = self.value
        text = "payout %s %s: %s (%s), %d gold, created %s" % (
            self.field("id"), enum_name(v["status"]), self.field("character_name"), self.field("twitch_user_id"),
            int(v["gold_amount"]), self.field("created_at"))
        if bool(v["is_reward_sent_announced_to_chat"]):
            text += ", announced"
        return text


class PoolMemberPrinter(StructPrinter):
    def to_string(self):
        return "%s (%s), pool seq %d" % (self.field("character_name"), self.field("twitch_user_id"),
                                         int(self.value["seq"]))


class EnrollmentPrinter(StructPrinter):
    def to_string(self):
        return "enrollment %s: %s (%s) at %s" % (self.field("enrollment_request_id"), self.field("character_name"),
                                                 self.field("twitch_user_id"), self.field("enrolled_at"))


class GiftRequestPrinter(StructPrinter):
    def to_string(self):
        return "gift %s %s: %s for %s, created %s, timeout %s" % (
            self.field("id"), enum_name(self.value["state"]), self.field("viewer_id"), self.field("streamer_id"),
            self.field("created_at"), self.field("timeout_at"))


class RouletteStatePrinter(StructPrinter):
    def to_string(self):
        return "%s at %s, next spin %s, pool %d, cycle %s" % (
            enum_name(self.value["spin_phase"]), self.field("server_now"), self.field("next_spin_at"),
            int(self.value["pool_participant_count"]), self.field("current_spin_cycle_id"))


class RequestPrinter(StructPrinter):
    def to_string(self):
        return "%s %s (%d bytes of body)" % (self.field("method"), self.field("target"), string_size(self.value["body"]))


class ResponsePrinter(StructPrinter):
    def to_string(self):
        return "HTTP %d, %d bytes of body" % (int(self.value["status"]), string_size(self.value["body"]))


class TraceRecordPrinter(StructPrinter):
    def to_string(self):
        v = self.value
        parts = ["#%d" % int(v["seq"]), string_view_text(v["t"]), string_view_text(v["actor"]),
                 string_view_text(v["kind"])]
        if bool(v["named"]):
            parts.append(string_view_text(v["name"]))
        if bool(v["timer"]):
            parts.append(string_view_text(v["label"]))
        return " ".join(p for p in parts if p)

    def children(self):
        yield "line", string_view_text(self.value["line"])


def build_printer():
    pp = gdb.printing.RegexpCollectionPrettyPrinter("mgm")
    pp.add_printer("Instant", r"^mgm::sim::Instant$", InstantPrinter)
    # sim::Duration: 100 ns ticks (g++ spells the ratio 1, 10000000; clang 1l, 10000000l).
    pp.add_printer("Duration", r"^std::chrono::duration<long( int)?, std::ratio<1[lL]?, 10000000[lL]?> ?>$",
                   DurationPrinter)
    pp.add_printer("Uuid", r"^mgm::sim::Uuid$", UuidPrinter)
    for name in ("mgm::backend::PayoutStatus", "mgm::backend::GiftRequestState", "mgm::backend::SpinPhase",
                 "mgm::backend::TickResult", "mgm::backend::ChatEnrollResult", "mgm::harness::scenario::Invariant",
                 "mgm::harness::Service", "mgm::sim::LogLevel"):
        pp.add_printer(name.rsplit("::", 1)[-1], "^" + re.escape(name) + "$", EnumPrinter)
    pp.add_printer("SpinState", r"^mgm::backend::SpinState$", SpinStatePrinter)
    pp.add_printer("Payout", r"^mgm::backend::Payout$", PayoutPrinter)
    pp.add_printer("PoolMember", r"^mgm::backend::PoolMember$", PoolMemberPrinter)
    pp.add_printer("EnrollmentRecord", r"^mgm::backend::EnrollmentRecord$", EnrollmentPrinter)
    pp.add_printer("GiftRequest", r"^mgm::backend::GiftRequest$", GiftRequestPrinter)
    pp.add_printer("RouletteStateView", r"^mgm::backend::RouletteStateView$", RouletteStatePrinter)
    pp.add_printer("Request", r"^mgm::http::Request$", RequestPrinter)
    pp.add_printer("Response", r"^mgm::http::Response$", ResponsePrinter)
    pp.add_printer("TraceRecord", r"^mgm::sim::TraceRecord$", TraceRecordPrinter)
    return pp


# Frames between mgm_break_here and the code that wrote the record: the breakpoint machinery, the trace's
# dispatch, std::function and lambdas.
_PLUMBING = re.compile(r"^(mgm_break_here|mgm::harness::scenario::Breakpoints::|mgm::sim::Trace::|std::|"
                       r"mgm::harness::scenario::InvariantChecker::fail|.*\{lambda|operator\(\)$)")


class MgmUp(gdb.Command):
    """Select the frame of the code that wrote the record mgm_break_here stopped at (or that detected the
invariant violation): the first frame outside the breakpoint and trace machinery."""

    def __init__(self):
        super().__init__("mgm-up", gdb.COMMAND_STACK)

    def invoke(self, argument, from_tty):
        frame = gdb.selected_frame()
        while frame is not None and _PLUMBING.match(frame.name() or "std::"):
            frame = frame.older()
        if frame is None:
            raise gdb.GdbError("mgm-up: no frame outside the trace machinery")
        frame.select()
        gdb.execute("frame", to_string=False)


def _register_libstdcxx(objfile):
    try:
        from libstdcxx.v6 import register_libstdcxx_printers
    except ImportError:
        import sys
        for candidate in ("/usr/share/gcc/python", "/usr/share/gcc-12/python", "/usr/share/gcc-13/python"):
            if candidate not in sys.path:
                sys.path.append(candidate)
        try:
            from libstdcxx.v6 import register_libstdcxx_printers
        except ImportError:
            return
    already = [p for p in (objfile.pretty_printers if objfile else gdb.pretty_printers)
               if getattr(p, "name", "") == "libstdc++-v6"]
    if not already:
        try:
            register_libstdcxx_printers(objfile)
        except RuntimeError:  # registered globally already
            pass


def register(objfile=None):
    """Registers the printers for `objfile` (the auto-load file passes its binary) or for every binary."""
    target = objfile if objfile is not None else gdb.current_objfile()
    existing = target.pretty_printers if target is not None else gdb.pretty_printers
    if not any(getattr(p, "name", "") == "mgm" for p in existing):
        gdb.printing.register_pretty_printer(target, build_printer(), replace=True)
    _register_libstdcxx(target)


MgmUp()

# `source tools/gdb/mgm_printers.py`: for every binary.
if __name__ == "__main__":
    register(None)

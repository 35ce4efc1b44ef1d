"""The web app: serve, user (add, list, remove, passwd, unlock)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from surveytool.cli.common import echo, whole
from surveytool.errors import UsageError, problem


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the campaign folder in a browser until Ctrl+C."""
    from surveytool.web import Site, serve

    site = Site(
        Path(args.folder).resolve(), args.host, args.port, args.max_upload, args.proxy_header
    )
    serve(site, open_browser=not args.no_browser, say=echo)
    return 0


def _password() -> str:
    """The password, typed twice (read from standard input when it is not a terminal)."""
    if sys.stdin.isatty():
        first, second = getpass.getpass("密码："), getpass.getpass("再输入一次：")
    else:
        first, second = sys.stdin.readline().rstrip("\n"), sys.stdin.readline().rstrip("\n")
    if first != second:
        raise UsageError(problem("user_password_mismatch"))
    return first


def cmd_user(args: argparse.Namespace) -> int:
    """Add, list or remove intranet-mode accounts."""
    from surveytool.web import auth
    from surveytool.web.site import Site

    path = Site(Path(args.dir)).users_file
    if args.action == "list":
        users = auth.list_users(path)
        for u in users:
            echo(f"{u.name}\t{auth.ROLE_NAMES[u.role]}" + (f"\t{u.unit}" if u.unit else ""))
        echo(f"共 {len(users)} 个账号（{path}）。")
        return 0
    if not args.name:
        raise UsageError(problem("user_bad_name", value=""))
    if args.action == "remove":
        auth.remove_user(path, args.name)
        echo(f"已删除账号 {args.name}（已登录的会话随之失效）。")
        return 0
    if args.action == "unlock":
        auth.unlock(path, args.name)
        echo(problem("user_unlocked", name=args.name).message)
        return 0
    if args.action == "passwd":
        auth.set_password(path, args.name, _password())
        echo(f"已修改账号 {args.name} 的密码（已登录的会话随之失效）。")
        return 0
    if args.role not in auth.ROLES:
        raise UsageError(problem("user_bad_role", value=args.role or ""))
    if args.role == "liaison" and not (args.unit or "").strip():
        raise UsageError(problem("user_liaison_unit"))
    user = auth.add_user(path, args.name, args.role, args.unit, _password())
    unit = f"（{user.unit}）" if user.unit else ""
    echo(f"已添加账号 {user.name}：{auth.ROLE_NAMES[user.role]}{unit}。")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands."""
    p = sub.add_parser("serve", help="在浏览器中使用（本机或内网）/ serve the web app")
    p.add_argument(
        "folder",
        nargs="?",
        default=".",
        metavar="文件夹",
        help="调研文件夹（含 campaign.yaml；默认当前文件夹）",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="监听地址（默认 127.0.0.1 仅本机；其他地址为内网模式，需要登录）",
    )
    p.add_argument(
        "--port", type=whole("--port", "端口", 0, 65535), default=8765, help="端口（默认 8765）"
    )
    p.add_argument("--no-browser", action="store_true", help="启动后不自动打开浏览器")
    p.add_argument(
        "--max-upload",
        type=whole("--max-upload", "上传上限（MB）", 1, 10_000),
        default=200,
        help="一次上传的大小上限，单位 MB（默认 200）",
    )
    p.add_argument(
        "--proxy-header",
        metavar="请求头",
        help="经反向代理访问时，代理写入访问者地址的请求头（如 X-Forwarded-For），"
        "用于按访问者限制登录失败次数；不经代理时不要设置",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "user", help="内网模式的账号 / web accounts (add, list, remove, passwd, unlock)"
    )
    p.add_argument(
        "action",
        choices=["add", "list", "remove", "passwd", "unlock"],
        help="add 添加、list 列出、remove 删除、passwd 改密码、unlock 解除登录限制",
    )
    p.add_argument("name", nargs="?", metavar="用户名")
    p.add_argument(
        "--role", choices=["owner", "liaison"], help="owner 负责人（查看全部）或 liaison 单位联络员"
    )
    p.add_argument("--unit", help="联络员所在单位（与 campaign.yaml 中单位名称一致）")
    p.add_argument("--dir", default=".", help="调研文件夹（默认当前文件夹）")
    p.set_defaults(func=cmd_user)

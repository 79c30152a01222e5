"""TwitterAPI: a small social network (from ``multi_turn_func_doc/posting_api.json``).

Tweets are keyed by integer id (a config's string keys are converted on load; comments keep the
config's keys as given, as officially); a new tweet takes ``tweet_counter`` as its id. As in the
official backend, the tweet/comment/user-tweet lists come back bare (no wrapping dict), each
write action has its own authentication error, and a tweet posted without ``tags``/``mentions``
stores the method's default list itself (so ``mention`` on such a tweet extends the default of
every later tweet posted without mentions). Officially that default is one list per process, shared
by every instance; inside `official_shared_state` (the scorer, the differential tests) it is here
too; elsewhere each instance has its own default lists, so an episode never depends on earlier
ones. The long-context flag changes nothing here.
"""

from __future__ import annotations

from typing import Any

from toolenv.suites.bfcl.backends.base import Backend, sharing_official_state

#: the shared default lists of ``post_tweet`` (mutable on purpose: the official defaults are one
#: list per process, which ``mention`` can extend)
_DEFAULT_TAGS: list = []
_DEFAULT_MENTIONS: list = []


def _auth_error(action: str) -> dict[str, str]:
    return {"error": f"User not authenticated. Please authenticate before {action}."}


def _not_found(tweet_id: Any) -> dict[str, str]:
    return {"error": f"Tweet with ID {tweet_id} not found."}


class TwitterAPI(Backend):
    DEFAULT_STATE = {
        "username": "john",
        "password": "john123",
        "authenticated": False,
        "tweets": {},
        "comments": {},
        "retweets": {},
        "following_list": ["alice", "bob"],
        "tweet_counter": 0,
    }

    def _load_scenario(self, scenario: dict[str, Any], long_context: bool = False) -> None:
        super()._load_scenario(scenario, long_context)
        self.tweets = {int(k): v for k, v in self.tweets.items()}

    def _authored_by(self, username: Any) -> list[dict[str, Any]]:
        return [t for t in self.tweets.values() if t["username"] == username]

    def authenticate_twitter(self, username: str, password: str) -> dict[str, bool]:
        if username == self.username and password == self.password:
            self.authenticated = True
            return {"authentication_status": True}
        return {"authentication_status": False}

    def posting_get_login_status(self) -> dict[str, bool]:
        return {"login_status": bool(self.authenticated)}

    def post_tweet(self, content: str, tags: list = _DEFAULT_TAGS, mentions: list = _DEFAULT_MENTIONS) -> dict[str, Any]:
        """Stores (and returns) the tweet with the given lists themselves, not copies."""
        if not self.authenticated:
            return _auth_error("posting")
        if not sharing_official_state():  # this instance's own default lists (see the module docstring)
            if tags is _DEFAULT_TAGS:
                tags = self.__dict__.setdefault("_default_tags", [])
            if mentions is _DEFAULT_MENTIONS:
                mentions = self.__dict__.setdefault("_default_mentions", [])
        tweet = {"id": self.tweet_counter, "username": self.username, "content": content, "tags": tags, "mentions": mentions}
        self.tweets[self.tweet_counter] = tweet
        self.tweet_counter += 1
        return tweet

    def retweet(self, tweet_id: int) -> dict[str, Any]:
        if not self.authenticated:
            return _auth_error("retweeting")
        if tweet_id not in self.tweets:
            return _not_found(tweet_id)
        mine = self.retweets.setdefault(self.username, [])
        if tweet_id in mine:
            return {"retweet_status": "Already retweeted"}
        mine.append(tweet_id)
        return {"retweet_status": "Successfully retweeted"}

    def comment(self, tweet_id: int, comment_content: str) -> dict[str, Any]:
        if not self.authenticated:
            return _auth_error("commenting")
        if tweet_id not in self.tweets:
            return _not_found(tweet_id)
        self.comments.setdefault(tweet_id, []).append({"username": self.username, "content": comment_content})
        return {"comment_status": "Comment added successfully"}

    def mention(self, tweet_id: int, mentioned_usernames: list) -> dict[str, Any]:
        """Needs no authentication; extends the tweet's ``mentions`` list in place."""
        if tweet_id not in self.tweets:
            return _not_found(tweet_id)
        self.tweets[tweet_id]["mentions"].extend(mentioned_usernames)
        return {"mention_status": "Users mentioned successfully"}

    def follow_user(self, username_to_follow: str) -> dict[str, Any]:
        if not self.authenticated:
            return _auth_error("following")
        if username_to_follow in self.following_list:
            return {"follow_status": False}
        self.following_list.append(username_to_follow)
        return {"follow_status": True}

    def list_all_following(self) -> dict[str, Any]:
        if not self.authenticated:
            return _auth_error("listing following")
        return {"following_list": self.following_list}

    def unfollow_user(self, username_to_unfollow: str) -> dict[str, Any]:
        if not self.authenticated:
            return _auth_error("unfollowing")
        if username_to_unfollow not in self.following_list:
            return {"unfollow_status": False}
        self.following_list.remove(username_to_unfollow)
        return {"unfollow_status": True}

    def get_tweet(self, tweet_id: int) -> dict[str, Any]:
        if tweet_id not in self.tweets:
            return _not_found(tweet_id)
        return self.tweets[tweet_id]

    def get_user_tweets(self, username: str) -> list[dict[str, Any]]:
        return self._authored_by(username)

    def search_tweets(self, keyword: str) -> list[dict[str, Any]]:
        """Keyword in the content (case-insensitive substring) or equal to a tag (case-insensitive)."""
        return [
            t
            for t in self.tweets.values()
            if keyword.lower() in t["content"].lower() or keyword.lower() in [tag.lower() for tag in t["tags"]]
        ]

    def get_tweet_comments(self, tweet_id: int) -> Any:
        if tweet_id not in self.tweets:
            return _not_found(tweet_id)
        return self.comments.get(tweet_id, [])

    def get_user_stats(self, username: str) -> dict[str, int]:
        return {
            "tweet_count": len(self._authored_by(username)),
            "following_count": len(self.following_list) if username == self.username else 0,
            "retweet_count": len(self.retweets.get(username, [])),
        }

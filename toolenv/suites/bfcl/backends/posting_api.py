"""TwitterAPI: a small social network (from ``multi_turn_func_doc/posting_api.json``).

Tweets are keyed by integer id (configs give string keys; they are converted on load); a new
tweet takes ``tweet_counter`` as its id.
"""

from __future__ import annotations

import copy
from typing import Any

from toolenv.suites.bfcl.backends.base import Backend, int_keys

_AUTH_ERROR = {"error": "User not authenticated. Please authenticate before performing this action."}


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
        self.tweets = int_keys(self.tweets)
        self.comments = int_keys(self.comments)

    def _tweet(self, tweet_id: Any) -> dict | None:
        t = self.tweets.get(tweet_id) if isinstance(tweet_id, int) and not isinstance(tweet_id, bool) else None
        return t

    def authenticate_twitter(self, username: str, password: str) -> dict[str, bool]:
        if username == self.username and password == self.password:
            self.authenticated = True
            return {"authentication_status": True}
        return {"authentication_status": False}

    def posting_get_login_status(self) -> dict[str, bool]:
        return {"login_status": bool(self.authenticated)}

    def follow_user(self, username_to_follow: str) -> dict[str, Any]:
        if not self.authenticated:
            return dict(_AUTH_ERROR)
        if username_to_follow in self.following_list:
            return {"follow_status": False}
        self.following_list.append(username_to_follow)
        return {"follow_status": True}

    def list_all_following(self) -> dict[str, Any]:
        if not self.authenticated:
            return dict(_AUTH_ERROR)
        return {"following_list": list(self.following_list)}

    def unfollow_user(self, username_to_unfollow: str) -> dict[str, Any]:
        if not self.authenticated:
            return dict(_AUTH_ERROR)
        if username_to_unfollow not in self.following_list:
            return {"unfollow_status": False}
        self.following_list.remove(username_to_unfollow)
        return {"unfollow_status": True}

    def get_tweet(self, tweet_id: int) -> dict[str, Any]:
        t = self._tweet(tweet_id)
        if t is None:
            return {"error": f"Tweet with ID {tweet_id} not found."}
        return copy.deepcopy(t)

    def get_user_tweets(self, username: str) -> dict[str, Any]:
        return {"user_tweets": [copy.deepcopy(t) for t in self.tweets.values() if isinstance(t, dict) and t.get("username") == username]}

    def search_tweets(self, keyword: str) -> dict[str, Any]:
        kw = str(keyword).lower()
        out = []
        for t in self.tweets.values():
            if not isinstance(t, dict):
                continue
            if kw in str(t.get("content", "")).lower() or any(kw in str(tag).lower() for tag in t.get("tags", [])):
                out.append(copy.deepcopy(t))
        return {"matching_tweets": out}

    def post_tweet(self, content: str, tags: list = [], mentions: list = []) -> dict[str, Any]:  # noqa: B006 - doc defaults
        if not self.authenticated:
            return dict(_AUTH_ERROR)
        tweet = {"id": self.tweet_counter, "username": self.username, "content": content, "tags": list(tags), "mentions": list(mentions)}
        self.tweets[self.tweet_counter] = tweet
        self.tweet_counter += 1
        return copy.deepcopy(tweet)

    def retweet(self, tweet_id: int) -> dict[str, Any]:
        if not self.authenticated:
            return dict(_AUTH_ERROR)
        if self._tweet(tweet_id) is None:
            return {"error": f"Tweet with ID {tweet_id} not found."}
        mine = self.retweets.setdefault(self.username, [])
        if tweet_id in mine:
            return {"retweet_status": "Already retweeted"}
        mine.append(tweet_id)
        return {"retweet_status": "Successfully retweeted"}

    def comment(self, tweet_id: int, comment_content: str) -> dict[str, Any]:
        if not self.authenticated:
            return dict(_AUTH_ERROR)
        if self._tweet(tweet_id) is None:
            return {"error": f"Tweet with ID {tweet_id} not found."}
        self.comments.setdefault(tweet_id, []).append({"username": self.username, "content": comment_content})
        return {"comment_status": "Comment added successfully"}

    def mention(self, tweet_id: int, mentioned_usernames: list) -> dict[str, Any]:
        t = self._tweet(tweet_id)
        if t is None:
            return {"error": f"Tweet with ID {tweet_id} not found."}
        if not isinstance(mentioned_usernames, list):
            return {"error": "mentioned_usernames must be a list."}
        t.setdefault("mentions", []).extend(mentioned_usernames)
        return {"mention_status": "Users mentioned successfully"}

    def get_tweet_comments(self, tweet_id: int) -> dict[str, Any]:
        if self._tweet(tweet_id) is None:
            return {"error": f"Tweet with ID {tweet_id} not found."}
        return {"comments": copy.deepcopy(self.comments.get(tweet_id, []))}

    def get_user_stats(self, username: str) -> dict[str, Any]:
        tweets = sum(1 for t in self.tweets.values() if isinstance(t, dict) and t.get("username") == username)
        following = len(self.following_list) if username == self.username else 0
        retweets = len(self.retweets.get(username, []))
        return {"tweet_count": tweets, "following_count": following, "retweet_count": retweets}

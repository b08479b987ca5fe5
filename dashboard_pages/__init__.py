"""The pages of the Streamlit dashboard (``streamlit run dashboard.py``).

Each page module is a script Streamlit runs (``render()`` under
``if __name__ == "__main__"``); :mod:`.common` holds what they share.
"""
